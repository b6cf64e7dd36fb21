import * as z from 'zod';
import type { DeliveryStatus } from '../../shared/data/delivery-store';

/**
 * The SES event destination's events on EventBridge (source `aws.ses`): the envelope, and in
 * `detail` the event publishing record (`eventType`, `mail`, and the object of its type). Field
 * names as in "Contents of event data that Amazon SES publishes" (SES developer guide).
 *
 * Not `z.strictObject`, unlike the API's schemas: SES reserves the right to add fields to these
 * records, and a strict schema would drop every real event the day it does. Unknown fields are
 * stripped, never read; only the fields below are trusted.
 */

/**
 * The detail types understood, and the status each one records. The rule no longer matches
 * `Email Sent` (infra/constructs/delivery-events.ts); one still queued from before (a
 * dead-letter redrive) is read as ever and finds its message recorded.
 */
export const SES_DETAIL_TYPES = {
  'Email Sent': 'sent',
  'Email Delivered': 'delivered',
  'Email Bounced': 'bounced',
  'Email Complaint Received': 'complained',
  'Email Rejected': 'rejected',
} as const satisfies Record<string, DeliveryStatus>;

export type SesDetailType = keyof typeof SES_DETAIL_TYPES;

const instant = z.iso.datetime({ offset: true });
const address = z.string().min(1).max(320);

const mailSchema = z.object({
  timestamp: instant,
  messageId: z.string().min(1).max(200),
  destination: z.array(address).max(1000).optional(),
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

export const bounceSchema = z.object({
  bounceType: z.enum(['Undetermined', 'Permanent', 'Transient']),
  bounceSubType: z.string().optional(),
  bouncedRecipients: z
    .array(z.object({ emailAddress: address }))
    .min(1)
    .max(1000),
  timestamp: instant,
});

export const complaintSchema = z.object({
  complainedRecipients: z
    .array(z.object({ emailAddress: address }))
    .min(1)
    .max(1000),
  timestamp: instant,
});

const deliverySchema = z.object({
  timestamp: instant,
  recipients: z.array(address).max(1000).optional(),
});

const detail = <T extends z.ZodRawShape>(shape: T) => z.object({ mail: mailSchema, ...shape });

/** The detail of each detail type the function acts on. */
export const sesDetailSchemas = {
  'Email Sent': detail({ eventType: z.literal('Send') }),
  'Email Delivered': detail({ eventType: z.literal('Delivery'), delivery: deliverySchema }),
  'Email Bounced': detail({ eventType: z.literal('Bounce'), bounce: bounceSchema }),
  'Email Complaint Received': detail({ eventType: z.literal('Complaint'), complaint: complaintSchema }),
  'Email Rejected': detail({ eventType: z.literal('Reject') }),
} as const;

export const sesEnvelopeSchema = z.object({
  source: z.literal('aws.ses'),
  'detail-type': z.string().min(1).max(200),
  detail: z.unknown(),
});

/** One event the function understood: what happened to which message, and to whom. */
export interface SesDeliveryEvent {
  readonly detailType: SesDetailType;
  readonly status: DeliveryStatus;
  readonly messageId: string;
  /** When it happened (ISO, UTC): the event's own instant, the same on a repeat. */
  readonly at: string;
  /** The addresses it happened to (bounced or complained ones; the delivered ones), if named. */
  readonly recipients?: readonly string[];
  /** A bounce that will not go away (SES: `Permanent`), or a complaint. */
  readonly hard: boolean;
  readonly reason?: 'bounce' | 'complaint';
  /** The message was sent about a case or a task (its SES tags say so): it has a delivery record. */
  readonly recorded: boolean;
}

export type ParsedSesEvent =
  | { readonly kind: 'event'; readonly event: SesDeliveryEvent }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'malformed'; readonly issues: string };

/** JSON Pointers and zod codes of what failed, never the values (they hold addresses). */
function describe(error: z.ZodError, under: readonly string[] = []): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `/${[...under, ...i.path.map(String)].join('/')}:${i.code}`)
    .join(',');
}

const iso = (t: string) => new Date(t).toISOString();

/** Reads an EventBridge event: one of the five SES detail types, another (ignored) or garbage. */
export function parseSesEvent(raw: unknown): ParsedSesEvent {
  const envelope = sesEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return { kind: 'malformed', issues: describe(envelope.error) };
  const detailType = envelope.data['detail-type'];
  if (!Object.hasOwn(SES_DETAIL_TYPES, detailType)) return { kind: 'ignored' };
  const type = detailType as SesDetailType;
  const status = SES_DETAIL_TYPES[type];
  const parsed = sesDetailSchemas[type].safeParse(envelope.data.detail);
  if (!parsed.success) {
    return { kind: 'malformed', issues: describe(parsed.error, ['detail']) };
  }
  const d = parsed.data as z.infer<(typeof sesDetailSchemas)[SesDetailType]> & {
    bounce?: z.infer<typeof bounceSchema>;
    complaint?: z.infer<typeof complaintSchema>;
    delivery?: z.infer<typeof deliverySchema>;
  };
  const tags = d.mail.tags ?? {};
  const base = {
    detailType: type,
    status,
    messageId: d.mail.messageId,
    recorded: Boolean(tags.caseId?.length || tags.taskId?.length),
  };
  if (d.bounce) {
    return {
      kind: 'event',
      event: {
        ...base,
        at: iso(d.bounce.timestamp),
        recipients: d.bounce.bouncedRecipients.map((r) => r.emailAddress),
        hard: d.bounce.bounceType === 'Permanent',
        reason: 'bounce',
      },
    };
  }
  if (d.complaint) {
    return {
      kind: 'event',
      event: {
        ...base,
        at: iso(d.complaint.timestamp),
        recipients: d.complaint.complainedRecipients.map((r) => r.emailAddress),
        hard: true,
        reason: 'complaint',
      },
    };
  }
  if (d.delivery) {
    return {
      kind: 'event',
      event: {
        ...base,
        at: iso(d.delivery.timestamp),
        ...(d.delivery.recipients ? { recipients: d.delivery.recipients } : {}),
        hard: false,
      },
    };
  }
  return { kind: 'event', event: { ...base, at: iso(d.mail.timestamp), hard: false } };
}
