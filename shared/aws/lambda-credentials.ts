/**
 * Stands in for `@aws-sdk/credential-provider-node` in the function bundles (the house
 * construct aliases it here): Lambda hands a function its role's credentials in the
 * environment, so the SDK's default chain — SSO, ini files, process, web identity, login,
 * container and instance metadata, with the STS/SSO clients they load — is 130 KiB of
 * bundle that a function parses at every cold start and never runs. The local runtime
 * sets the same variables. Tests and tools outside a bundle keep the real chain.
 *
 * Same reading as the SDK's own `fromEnv`, the first link of that chain.
 */
export function defaultProvider(): () => Promise<EnvCredentials> {
  return async () => {
    const env = process.env;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      ...(env.AWS_CREDENTIAL_EXPIRATION ? { expiration: new Date(env.AWS_CREDENTIAL_EXPIRATION) } : {}),
      ...(env.AWS_CREDENTIAL_SCOPE ? { credentialScope: env.AWS_CREDENTIAL_SCOPE } : {}),
      ...(env.AWS_ACCOUNT_ID ? { accountId: env.AWS_ACCOUNT_ID } : {}),
    };
  };
}

/** The SDK's `AwsCredentialIdentity`, as the environment fills it. */
export interface EnvCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly credentialScope?: string;
  readonly accountId?: string;
}
