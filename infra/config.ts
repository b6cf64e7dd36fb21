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

/**
 * The deployment's configuration: the `bashke` context object (cdk.json, overridable with
 * `-c bashke='{...}'`). Synth fails listing every missing or invalid key.
 */
export const deploymentConfigSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  senderEmail: z.email(),
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
  timeZone: z.string().refine(isTimeZone, { message: 'not an IANA time zone' }).default('Europe/Tirane'),
  /**
   * Hours an NGO has to answer an offer. Fractions are allowed (whole seconds, at least
   * 5 s) so a local run can watch a deadline pass in real time.
   */
  offerDeadlineHours: z
    .number()
    .positive()
    .max(720)
    .refine((h) => Math.round(h * 3600) >= 5, { message: 'at least 5 seconds' })
    .default(24),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => RETENTION_DAYS.includes(d), { message: `one of ${RETENTION_DAYS.join(', ')}` }),
  interviewMaxAgeDays: z.number().int().min(1).max(3650).default(30),
  /** Whose public holidays working days skip: an ISO 3166-1 alpha-2 code date-holidays knows. */
  holidayCountry: z
    .string()
    .refine((c) => holidayCountries().includes(c), { message: 'not a country date-holidays knows (e.g. AL)' })
    .default('AL'),
  /** Task deadlines (shared/domain/deadlines.ts); the offer's is `offerDeadlineHours`. */
  deadlines: deadlineSettingsSchema.prefault({}),
  /** Reminders and escalations of every task (shared/domain/reminders.ts). */
  reminders: reminderConfigSchema.prefault({}),
});
export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Parses the context value; a string (from `-c`) is read as JSON. */
export function parseDeploymentConfig(raw: unknown): DeploymentConfig {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigurationError('context "bashke" is not valid JSON');
    }
  }
  const parsed = deploymentConfigSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  bashke.${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigurationError(`invalid deployment configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
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
