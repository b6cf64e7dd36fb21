import * as z from 'zod';
import { isTimeZone } from '../util/env';
import { NEEDS } from './codes';
import { slug } from './referral';

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

export const CONTACT_ROLES = ['focal-point', 'case-worker', 'council-member', 'coordinator'] as const;

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
});

export const organisationSchema = z.strictObject({
  orgId: slug,
  name: lineText,
  kind: z.enum(ORG_KINDS),
  /** Regions the organisation works in. */
  regions: z.array(slug).min(1),
  services: z.array(z.enum(NEEDS)),
  /** Open offers it can hold at once. */
  capacity: z.number().int().min(0).max(1000),
  childProtection: z.boolean(),
  contacts: z.array(contactSchema),
});

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
