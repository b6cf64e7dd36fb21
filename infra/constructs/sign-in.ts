import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface SignInProps {
  /** The user-pool groups (the roles the API authorizes on). */
  readonly groups: readonly string[];
  /**
   * The web console's absolute base URL, no trailing slash (e.g. `<api url>/console`; a token
   * is fine). Its OAuth callback is `<consoleUrl>/auth/callback`, its sign-out landing
   * `<consoleUrl>/signed-out`.
   */
  readonly consoleUrl: string;
  /** The managed login's Cognito domain prefix (`<prefix>.auth.<region>.amazoncognito.com`). */
  readonly domainPrefix: string;
}

/** The console's OAuth callback path under its base URL. */
export const CONSOLE_CALLBACK_PATH = '/auth/callback';
/** Where the console's users land after signing out, under its base URL. */
export const CONSOLE_SIGNED_OUT_PATH = '/signed-out';

/** What both app clients read and write: users may edit their name; the organisation is set by admins only. */
const CLIENT_ATTRIBUTES = {
  readAttributes: new cognito.ClientAttributes()
    .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
    .withCustomAttributes('orgId'),
  writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
} as const;

/**
 * Sign-in: a Cognito user pool whose users admins create (MFA by TOTP, strong passwords,
 * threat protection, retained), one group per role, a `custom:orgId` attribute only admins
 * set, and the app client (SRP only, no secret, no OAuth) whose ID tokens the API accepts.
 *
 * The web console signs in through Cognito's managed login on a prefix domain: its own app
 * client (authorization-code grant only, used with PKCE, no secret) whose tokens the console
 * checks itself and the API does not accept, styled with Cognito's provided branding.
 */
export class SignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly appClient: cognito.UserPoolClient;
  /** The console's app client (managed login, authorization code with PKCE). */
  readonly consoleClient: cognito.UserPoolClient;
  /** The managed login's domain; `domain.baseUrl()` is the OAuth endpoints' base. */
  readonly domain: cognito.UserPoolDomain;
  /** The groups by name. */
  readonly groups: Readonly<Record<string, cognito.CfnUserPoolGroup>>;

  constructor(scope: Construct, id: string, props: SignInProps) {
    super(scope, id);
    // `Default`: the pool and its client keep the logical ids they had before this construct.
    this.userPool = new cognito.UserPool(this, 'Default', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      customAttributes: { orgId: new cognito.StringAttribute({ minLen: 2, maxLen: 64, mutable: true }) },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const groups: Record<string, cognito.CfnUserPoolGroup> = {};
    for (const name of props.groups) {
      groups[name] = new cognito.CfnUserPoolGroup(this, `Group-${name}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: name,
      });
    }
    this.groups = groups;
    // Users may edit their name; the organisation is set by admins only.
    this.appClient = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      // Sign-in is SRP only: without this CDK enables the implicit and code grants with an
      // https://example.com callback.
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      ...CLIENT_ATTRIBUTES,
    });

    this.domain = this.userPool.addDomain('ManagedLogin', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // The console reads and writes what the app client does: never the organisation.
    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      // Managed login only: no SDK sign-in flow besides refreshing (which CDK always adds).
      authFlows: { userSrp: false },
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${props.consoleUrl}${CONSOLE_CALLBACK_PATH}`],
        logoutUrls: [`${props.consoleUrl}${CONSOLE_SIGNED_OUT_PATH}`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      ...CLIENT_ATTRIBUTES,
    });
    // Managed login (version 2) shows a client's pages only once it has a branding style:
    // Cognito's own look, until someone designs one.
    new cognito.CfnManagedLoginBranding(this, 'ConsoleBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.consoleClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });
  }
}
