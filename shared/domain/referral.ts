import * as z from 'zod';
import { isCalendarDate } from '../util/time';
import { AGE_GROUPS, COUNTRY_CODES, GENDERS, LANGUAGE_CODES, NEEDS, RISK_LEVELS } from './codes';

/** Slugs name organisations and regions: stable, lowercase, URL-safe. */
export const slug = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);

export const calendarDateString = z
  .string()
  .refine(isCalendarDate, { message: 'not a calendar date (YYYY-MM-DD)' });

/**
 * The presumed-victim profile: what services need to match, nothing that identifies.
 * Strict objects reject `name`, `dateOfBirth`, `address` and any other key.
 */
export const personSchema = z.strictObject({
  ageGroup: z.enum(AGE_GROUPS),
  gender: z.enum(GENDERS),
  nationality: z.string().refine((v) => COUNTRY_CODES.has(v), { message: 'not an ISO 3166-1 alpha-2 code' }),
  language: z.string().refine((v) => LANGUAGE_CODES.has(v), { message: 'not an ISO 639-1 code' }),
  needs: z
    .array(z.enum(NEEDS))
    .min(1)
    .max(NEEDS.length)
    .refine((a) => new Set(a).size === a.length, { message: 'needs repeat' }),
  riskLevel: z.enum(RISK_LEVELS),
});

/** The profile's fields, in the schema's order: what a correction may name (never with their values). */
export const PERSON_FIELD_NAMES = [
  'ageGroup',
  'gender',
  'nationality',
  'language',
  'needs',
  'riskLevel',
] as const satisfies readonly (keyof z.infer<typeof personSchema>)[];

/**
 * Who may receive what (DOMAIN.md, data protection). `{ "given": true }` alone means the NGO
 * only; `localGovernment` lets plan items go to the region's local-government departments,
 * `organisations` names any other organisation that may get a plan item.
 */
export const consentSchema = z.strictObject({
  given: z.boolean(),
  localGovernment: z.boolean().optional(),
  organisations: z
    .array(slug)
    .max(20)
    .refine((a) => new Set(a).size === a.length, { message: 'organisations repeat' })
    .optional(),
});
export type Consent = z.infer<typeof consentSchema>;

/**
 * POST /referrals body. Rules that need the clock, the configuration or the directory
 * (interview date window, consent for adults, known organisations) are checked by the
 * use case, which reports them with the same field-path shape.
 */
export const referralRequestSchema = z.strictObject({
  region: slug,
  interviewDate: calendarDateString,
  socialWorkerPresent: z.boolean(),
  socialWorkerOrgId: slug,
  person: personSchema,
  consent: consentSchema,
  preferredNgoId: slug.optional(),
});
export type ReferralRequest = z.infer<typeof referralRequestSchema>;
export type Person = z.infer<typeof personSchema>;

/** Identity fields named in the 400 when present, wherever they appear. */
export const IDENTITY_FIELDS = ['name', 'firstName', 'lastName', 'dateOfBirth', 'address'] as const;

export const CASE_STATUSES = [
  'REFERRED',
  'OFFERED',
  'ACCEPTED',
  'ASSESSED',
  'IN_ASSISTANCE',
  'FOLLOW_UP',
  'CLOSED',
  'UNASSIGNED',
  'WITHDRAWN',
  'CLOSED_REFERRED',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** How an offer of the case ended, as coordinators see it in the offer history. */
export const OFFER_OUTCOMES = ['open', 'accepted', 'declined', 'timed_out', 'cancelled'] as const;
export type OfferOutcome = (typeof OFFER_OUTCOMES)[number];

export const referralResponseSchema = z.strictObject({
  caseId: z.uuid({ version: 'v4' }),
  reference: z.string().regex(/^[A-Z]{2,5}-\d{4}-\d{4,}$/),
  status: z.enum(CASE_STATUSES),
});
export type ReferralResponse = z.infer<typeof referralResponseSchema>;

export const caseIdParamsSchema = z.strictObject({ caseId: z.uuid({ version: 'v4' }) });

/** GET /cases/{caseId}: what the caller may see. The profile is there for the case team only. */
export const caseViewSchema = z.strictObject({
  caseId: z.uuid(),
  reference: z.string(),
  region: slug,
  status: z.enum(CASE_STATUSES),
  interviewDate: calendarDateString,
  person: personSchema,
  referringOrgId: slug,
  offeredOrgId: slug.optional(),
  acceptedOrgId: slug.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int().min(1),
});
export type CaseView = z.infer<typeof caseViewSchema>;
