import * as z from 'zod';

/**
 * Environment variable names, declared once: the construct that sets them and the
 * function that reads them both import this object.
 */
export const ENV = {
  TABLE_NAME: 'TABLE_NAME',
  /** Days a case is kept after it ended before the retention run erases it (functions/retention). */
  RETENTION_DAYS: 'RETENTION_DAYS',
  /** The audit table (add-only; shared/data/audit-store.ts). */
  AUDIT_TABLE_NAME: 'AUDIT_TABLE_NAME',
  STATE_MACHINE_ARN: 'STATE_MACHINE_ARN',
  SENDER_EMAIL: 'SENDER_EMAIL',
  SES_CONFIGURATION_SET: 'SES_CONFIGURATION_SET',
  TIME_ZONE: 'TIME_ZONE',
  INTERVIEW_MAX_AGE_DAYS: 'INTERVIEW_MAX_AGE_DAYS',
  ACTION_BASE_URL: 'ACTION_BASE_URL',
  /** JSON: each case stage's state machine ARN (`assessment`, `assistance`, ...). */
  STAGE_STATE_MACHINES: 'STAGE_STATE_MACHINES',
  /** The deadline configuration, JSON (`deadlineEnvShape` in shared/domain/deadlines.ts). */
  DEADLINES: 'DEADLINES',
  /** Public holidays of the deployment's country, comma-separated local dates YYYY-MM-DD. */
  HOLIDAYS: 'HOLIDAYS',
  /** The reminder configuration, JSON (`reminderConfigSchema` in shared/domain/reminders.ts). */
  REMINDERS: 'REMINDERS',
  /** The console's own absolute base URL, e.g. `https://…/console` (its OAuth redirect and sign-out URLs hang off it). */
  CONSOLE_BASE_URL: 'CONSOLE_BASE_URL',
  /** The managed login's base URL (Cognito's `https://<prefix>.auth.<region>.amazoncognito.com`; locally the issuer). */
  OAUTH_BASE_URL: 'OAUTH_BASE_URL',
  /** The console's app client id (authorization-code grant with PKCE, no secret). */
  OAUTH_CLIENT_ID: 'OAUTH_CLIENT_ID',
  /**
   * The user pool's ProviderURL: Cognito's is `cognito-idp.<region>.amazonaws.com/<poolId>`
   * (no scheme), the local issuer's a full `http://127.0.0.1:…` URL. The ID token's `iss` is
   * it with `https://` in front when it has no scheme; its keys are at `<iss>/.well-known/jwks.json`.
   */
  USER_POOL_PROVIDER_URL: 'USER_POOL_PROVIDER_URL',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Thrown at load when a function's environment is incomplete: fail loudly, name the keys. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses the given environment once (call at module scope). The error names the bad
 * variables and the rule, never their values.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const names = result.error.issues.map((i) => `${i.path.join('.')} (${i.code})`).join(', ');
    throw new ConfigError(`invalid function environment: ${names}`);
  }
  return result.data;
}

export const nonEmpty = z.string().trim().min(1);

/** A variable holding JSON that `schema` validates. */
export function jsonOf<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
export const timeZoneName = z.string().refine(isTimeZone, { message: 'not an IANA time zone' });

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
