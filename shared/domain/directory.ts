import * as z from 'zod';
import { isTimeZone } from '../util/env';
import { isActive } from './active';
import { NEEDS } from './codes';
import { slug } from './referral';

export { isActive };

export const ORG_KINDS = [
  'police',
  'prefecture',
  'municipality',
  'commune',
  'department',
  'ngo',
  'school',
  'university',
] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const CONTACT_ROLES = [
  'focal-point',
  'case-worker',
  'council-member',
  'cluster-member',
  'coordinator',
] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

/** What a local-government department does; required on (and only on) organisations of kind `department`. */
export const DEPARTMENTS = ['social', 'education', 'employment'] as const;
export type Department = (typeof DEPARTMENTS)[number];

/**
 * Control characters (CR/LF split mail headers), format characters (zero-width, RTL
 * overrides that disguise text) and unpaired surrogates.
 */
export const UNSAFE_TEXT =
  /[\p{Cc}\p{Cf}\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/** Text a person types, up to `max` characters, trimmed, with no unsafe characters. */
export const safeText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !UNSAFE_TEXT.test(v), { message: 'control, format or unpaired surrogate characters' });

/** Header-safe single-line text: no control characters (CR/LF would split mail headers). */
export const lineText = safeText(200);

/** An ISO 8601 instant with its offset (`Z` or `+01:00`). */
const instant = z.iso.datetime({ offset: true });

/**
 * A contact's absence: from `from` (inclusive) to `to` (exclusive) their task mail and
 * reminders go to `deputyEmail`, another contact of the same organisation (a task is its
 * organisation's alone, so its link must not leave it). Checked against the organisation by
 * `organisationSchema`.
 */
export const awaySchema = z
  .strictObject({ from: instant, to: instant, deputyEmail: z.email() })
  .refine((a) => Date.parse(a.from) < Date.parse(a.to), { message: 'from must be before to', path: ['to'] });

export const contactSchema = z.strictObject({
  name: lineText,
  email: z.email(),
  language: z.enum(['sq', 'en']),
  roles: z.array(z.enum(CONTACT_ROLES)).min(1),
  /** IANA zone the contact reads times in (deadlines, quiet hours); absent: the group's zone. */
  timeZone: z.string().refine(isTimeZone, { message: 'not an IANA time zone' }).optional(),
  /**
   * False once mail to the address hard-bounced or drew a complaint (SES delivery events):
   * the contact is then skipped as a recipient until someone corrects the directory.
   */
  reachable: z.boolean().optional(),
  /** False once deactivated: kept (history points at it), never a recipient. Absent: active. */
  active: z.boolean().optional(),
  away: awaySchema.optional(),
});

const organisationFields = z.strictObject({
  orgId: slug,
  name: lineText,
  kind: z.enum(ORG_KINDS),
  /** What a department does: required for kind `department`, refused on every other kind. */
  department: z.enum(DEPARTMENTS).optional(),
  /** Regions the organisation works in. */
  regions: z.array(slug).min(1),
  services: z.array(z.enum(NEEDS)),
  /** Open offers it can hold at once. */
  capacity: z.number().int().min(0).max(1000),
  childProtection: z.boolean(),
  contacts: z.array(contactSchema),
  /**
   * False once deactivated: the organisation stays stored (cases and tasks point at it) but
   * gets no offers, tasks or mail, and cannot sign in. Absent: active.
   */
  active: z.boolean().optional(),
});

/**
 * The rules across an organisation's fields: the department on departments only, contact
 * addresses unique, and an away contact's deputy another active contact of the organisation.
 */
export function checkOrganisation(
  o: z.output<typeof organisationFields>,
  ctx: z.RefinementCtx,
  at: readonly PropertyKey[] = [],
): void {
  if (o.kind === 'department' && o.department === undefined)
    ctx.addIssue({ code: 'custom', path: [...at, 'department'], message: 'required for a department' });
  if (o.kind !== 'department' && o.department !== undefined)
    ctx.addIssue({ code: 'custom', path: [...at, 'department'], message: 'only for a department' });
  const emails = new Set<string>();
  o.contacts.forEach((c, i) => {
    if (emails.has(lower(c)))
      ctx.addIssue({ code: 'custom', path: [...at, 'contacts', i, 'email'], message: 'duplicate' });
    emails.add(lower(c));
  });
  o.contacts.forEach((c, i) => {
    if (!c.away) return;
    const deputy = c.away.deputyEmail.toLowerCase();
    const found = o.contacts.find((d) => d.email.toLowerCase() === deputy);
    if (deputy === lower(c) || !found || !isActive(found))
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'contacts', i, 'away', 'deputyEmail'],
        message: 'not another active contact of the organisation',
      });
  });
}

const lower = (c: { email: string }) => c.email.toLowerCase();

export const organisationSchema = organisationFields.superRefine((o, ctx) => checkOrganisation(o, ctx));

/** The fields an organisation is made of (no cross-field rules), for partial changes. */
export const organisationShape = organisationFields;

export const regionSchema = z.strictObject({
  regionId: slug,
  /** Prefix of case references, e.g. `KOR` in `KOR-2026-0042`. */
  code: z.string().regex(/^[A-Z]{2,5}$/),
  name: lineText,
});

export const directorySchema = z
  .strictObject({
    regions: z.array(regionSchema).min(1),
    organisations: z.array(organisationSchema).min(1),
  })
  .superRefine((d, ctx) => {
    const regionIds = new Set<string>();
    const codes = new Set<string>();
    d.regions.forEach((r, i) => {
      if (regionIds.has(r.regionId))
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'regionId'], message: 'duplicate' });
      if (codes.has(r.code))
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'code'], message: 'duplicate' });
      regionIds.add(r.regionId);
      codes.add(r.code);
    });
    const seen = new Set<string>();
    d.organisations.forEach((o, i) => {
      if (seen.has(o.orgId))
        ctx.addIssue({ code: 'custom', path: ['organisations', i, 'orgId'], message: 'duplicate' });
      seen.add(o.orgId);
      o.regions.forEach((r, j) => {
        if (!regionIds.has(r))
          ctx.addIssue({
            code: 'custom',
            path: ['organisations', i, 'regions', j],
            message: 'unknown region',
          });
      });
    });
  });

export type Directory = z.infer<typeof directorySchema>;
export type Organisation = z.infer<typeof organisationSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type Region = z.infer<typeof regionSchema>;

/**
 * An organisation's own directory fields, in the order a file lists them: what a change may
 * write and what its audit event names (never `openOffers`, which is live data).
 */
export const DIRECTORY_FIELDS = [
  'name',
  'kind',
  'department',
  'regions',
  'services',
  'capacity',
  'childProtection',
  'contacts',
  'active',
] as const satisfies readonly (keyof Organisation)[];
