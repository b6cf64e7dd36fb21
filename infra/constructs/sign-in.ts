import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface SignInProps {
  /** The user-pool groups (the roles the API authorizes on). */
  readonly groups: readonly string[];
}

/**
 * Sign-in: a Cognito user pool whose users admins create (MFA by TOTP, strong passwords,
 * threat protection, retained), one group per role, a `custom:orgId` attribute only admins
 * set, and the app client (SRP only, no secret, no OAuth) whose ID tokens the API accepts.
 */
export class SignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly appClient: cognito.UserPoolClient;
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
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('orgId'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });
  }
}
