import * as z from 'zod';
import { deadlineConfigFrom, deadlineSettingsSchema, formatHolidays } from '../shared/domain/deadlines';
import { compactReminders, reminderConfigSchema } from '../shared/domain/reminders';
import { ENV, isTimeZone } from '../shared/util/env';
import { calendarYear } from '../shared/util/time';
import { HOLIDAY_YEARS, holidayCountries, publicHolidays } from './holidays';

/** Retention values CloudWatch Logs accepts. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/);
const accountSchema = z.string().regex(/^\d{12}$/, { message: 'a 12-digit account id' });
const timeZoneSchema = z.string().refine(isTimeZone, { message: 'not an IANA time zone' });
/**
 * Hours an NGO has to answer an offer. Fractions are allowed (whole seconds, at least
 * 5 s) so a local run can watch a deadline pass in real time.
 */
const offerDeadlineHoursSchema = z
  .number()
  .positive()
  .max(720)
  .refine((h) => Math.round(h * 3600) >= 5, { message: 'at least 5 seconds' });
/** Whose public holidays working days skip: an ISO 3166-1 alpha-2 code date-holidays knows. */
const holidayCountrySchema = z
  .string()
  .refine((c) => holidayCountries().includes(c), { message: 'not a country date-holidays knows (e.g. AL)' });
/** A DNS domain name, lower case, at least two labels (`bashke.example.org`). */
const domainSchema = z
  .string()
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    message: 'a lower-case domain name like bashke.example.org',
  });
/** An https origin with an optional path, no trailing slash, query or fragment. */
const publicBaseUrlSchema = z.string().refine(isPublicBaseUrl, {
  message: 'an https URL without a trailing slash, query or fragment, like https://bashke.example.org',
});

function isPublicBaseUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.protocol === 'https:' && !value.endsWith('/') && url.search === '' && url.hash === '' && !url.username
  );
}

/**
 * The deployment's configuration: the `bashke` context object (cdk.json, overridable with
 * `-c bashke='{...}'`), or with `-c stage=<name>` the stage's entry of `bashkeStages`
 * (stageConfigSchema, stricter). Synth fails listing every missing or invalid key.
 */
export const deploymentConfigSchema = z.strictObject({
  region: regionSchema,
  account: accountSchema.optional(),
  senderEmail: z.email(),
  /**
   * The domain SES sends from: the sender address's domain. Given, the stack makes it an SES
   * domain identity with Easy DKIM (infra/constructs/mail.ts). Absent (the local default),
   * no identity is made: the address or its domain is verified by hand.
   */
  senderDomain: domainSchema.optional(),
  /**
   * The https base of the links in emails and of the web console (`<base>/console`), e.g. a
   * custom domain mapped to the HTTP API. Absent, the API's own URL.
   */
  publicBaseUrl: publicBaseUrlSchema.optional(),
  /** Where operations alerts of last resort go: subscribed to the ops alerts topic by email. */
  coordinatorEmail: z.email().optional(),
  /**
   * The prefix of the managed login's Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`),
   * where the console's users sign in. Unique within the region across all of AWS, so every
   * deployment names its own: lower-case letters, digits and inner hyphens, at most 63, and
   * none of the words Cognito reserves (aws, amazon, cognito).
   */
  signInDomainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
      message: 'lower-case letters, digits and inner hyphens, 1 to 63 characters',
    })
    .refine((p) => !/aws|amazon|cognito/.test(p), { message: 'must not contain aws, amazon or cognito' }),
  timeZone: timeZoneSchema.default('Europe/Tirane'),
  offerDeadlineHours: offerDeadlineHoursSchema.default(24),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => RETENTION_DAYS.includes(d), { message: `one of ${RETENTION_DAYS.join(', ')}` }),
  interviewMaxAgeDays: z.number().int().min(1).max(3650).default(30),
  /** Days an ended case is kept before the retention run erases it (DOMAIN.md); 0 erases at the next run. */
  caseRetentionDays: z.number().int().min(0).max(36_500).default(1825),
  holidayCountry: holidayCountrySchema.default('AL'),
  /** Task deadlines (shared/domain/deadlines.ts); the offer's is `offerDeadlineHours`. */
  deadlines: deadlineSettingsSchema.prefault({}),
  /** Reminders and escalations of every task (shared/domain/reminders.ts). */
  reminders: reminderConfigSchema.prefault({}),
});
export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

/**
 * A named stage's configuration (`bashkeStages.<name>`): the same keys, but those that only
 * make sense per deployment have no default and must be written out — the account, the
 * sender's address and domain, the public base URL, the coordinator's address, the sign-in
 * domain, the zone, the holiday country and the deadlines (`deadlines: {}` takes DOMAIN.md's).
 */
export const stageConfigSchema = deploymentConfigSchema.extend({
  account: accountSchema,
  senderDomain: domainSchema,
  publicBaseUrl: publicBaseUrlSchema,
  coordinatorEmail: z.email(),
  timeZone: timeZoneSchema,
  offerDeadlineHours: offerDeadlineHoursSchema,
  holidayCountry: holidayCountrySchema,
  deadlines: deadlineSettingsSchema,
});

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** The context values the configuration is chosen from (`app.node.tryGetContext(...)`). */
export interface ConfigurationContext {
  /** `-c stage=<name>`: a key of `bashkeStages`; absent, the `bashke` object. */
  readonly stage?: unknown;
  readonly bashke?: unknown;
  readonly bashkeStages?: unknown;
}

/** The configuration chosen and where it came from (`bashke` or `bashkeStages.<stage>`). */
export interface ChosenConfiguration {
  readonly config: DeploymentConfig;
  /** The stage's name; undefined for the default `bashke` configuration. */
  readonly stage: string | undefined;
}

/**
 * Chooses and parses the configuration: the stage's when `stage` is given (unknown names fail
 * naming the known ones), else the `bashke` object.
 */
export function resolveDeploymentConfig(context: ConfigurationContext): ChosenConfiguration {
  const { stage } = context;
  if (stage === undefined || stage === null || stage === '') {
    return { config: parseDeploymentConfig(context.bashke), stage: undefined };
  }
  if (typeof stage !== 'string') throw new ConfigurationError('context "stage" must be a stage name');
  const stages = fromJson(context.bashkeStages ?? {}, 'bashkeStages');
  if (typeof stages !== 'object' || stages === null || Array.isArray(stages)) {
    throw new ConfigurationError('context "bashkeStages" must be an object of stage configurations');
  }
  const known = Object.keys(stages);
  if (!Object.hasOwn(stages, stage)) {
    const names = known.length > 0 ? known.join(', ') : 'none (bashkeStages is empty)';
    throw new ConfigurationError(`unknown stage "${stage}": the known stages are ${names}`);
  }
  const raw = (stages as Record<string, unknown>)[stage];
  return { config: parseWith(stageConfigSchema, raw, `bashkeStages.${stage}`), stage };
}

/** Parses the `bashke` context value; a string (from `-c`) is read as JSON. */
export function parseDeploymentConfig(raw: unknown): DeploymentConfig {
  return parseWith(deploymentConfigSchema, fromJson(raw, 'bashke'), 'bashke');
}

function fromJson(raw: unknown, key: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`context "${key}" is not valid JSON`);
  }
}

/**
 * Parses `value` with `schema`, throwing one ConfigurationError that lists every problem as
 * `<prefix>.<key path>: <message>` (a missing key: `required`), the sender's domain check
 * among them.
 */
function parseWith(schema: z.ZodType<DeploymentConfig>, value: unknown, prefix: string): DeploymentConfig {
  const input = value ?? {};
  const parsed = schema.safeParse(input);
  const lines = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const message =
          i.code === 'invalid_type' && valueAt(input, i.path) === undefined ? 'required' : i.message;
        return `  ${prefix}.${i.path.join('.') || '(root)'}: ${message}`;
      });
  const domainProblem = senderDomainProblem(input);
  if (domainProblem) lines.push(`  ${prefix}.senderDomain: ${domainProblem}`);
  if (lines.length > 0 || !parsed.success) {
    throw new ConfigurationError(`invalid deployment configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** Why `senderDomain` does not go with `senderEmail`, when both are strings; else undefined. */
function senderDomainProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { senderEmail, senderDomain } = value as Record<string, unknown>;
  if (typeof senderEmail !== 'string' || typeof senderDomain !== 'string') return undefined;
  const emailDomain = senderEmail.slice(senderEmail.lastIndexOf('@') + 1).toLowerCase();
  return emailDomain === senderDomain ? undefined : `must be the domain of senderEmail (${emailDomain})`;
}

/**
 * The deadline variables of every function that computes a due date: `DEADLINES` (the full
 * configuration, OFFER from `offerDeadlineHours`) and `HOLIDAYS` (the country's public
 * holidays for `HOLIDAY_YEARS` years from `now`'s year in the deployment's zone) and
 * `REMINDERS` (the reminder configuration). Read them with `taskClockFromEnv`.
 */
export function deadlineEnvironment(
  config: DeploymentConfig,
  now: Date,
): Record<typeof ENV.DEADLINES | typeof ENV.HOLIDAYS | typeof ENV.REMINDERS, string> {
  const fromYear = calendarYear(now, config.timeZone);
  return {
    [ENV.DEADLINES]: JSON.stringify(deadlineConfigFrom(config.deadlines, config.offerDeadlineHours)),
    [ENV.HOLIDAYS]: formatHolidays(publicHolidays(config.holidayCountry, fromYear, HOLIDAY_YEARS)),
    [ENV.REMINDERS]: JSON.stringify(compactReminders(config.reminders)),
  };
}
