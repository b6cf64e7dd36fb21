import * as z from 'zod';
import { safeText } from './directory';
import { slug } from './referral';

/** Minutes are read by every member: no control characters and no markup. */
const plain = (max: number) =>
  safeText(max).refine((v) => !/[<>]/.test(v), { message: 'markup is not allowed' });

/** One action a decision gives: to an organisation, or to a named contact (and so their organisation). */
export const actionItemRequestSchema = z
  .strictObject({
    kind: z.enum(['ACTION_ITEM', 'PREVENTION']).default('ACTION_ITEM'),
    title: plain(200),
    orgId: slug.optional(),
    email: z.email().optional(),
    /** The calendar day it is due (end of that day in the group's zone); the kind's default when absent. */
    dueDate: z.iso.date().optional(),
  })
  .refine((a) => (a.orgId === undefined) !== (a.email === undefined), {
    message: 'name an organisation or a contact, one of them',
    path: ['orgId'],
  });
export type ActionItemRequest = z.output<typeof actionItemRequestSchema>;

/** At most this many action items in one set of minutes: they are written in one transaction. */
export const MINUTES_ACTIONS_MAX = 20;

/**
 * What the coordinator records after a meeting: a summary and its decisions, each of which may
 * give action items. Free text about the group's work, never about a person (the form says so):
 * it is shown to every member, never emailed.
 */
export const minutesSchema = z
  .strictObject({
    summary: plain(5000),
    decisions: z
      .array(
        z.strictObject({
          text: plain(1000),
          actions: z.array(actionItemRequestSchema).max(MINUTES_ACTIONS_MAX).default([]),
        }),
      )
      .max(30)
      .default([]),
  })
  .refine((m) => m.decisions.reduce((n, d) => n + d.actions.length, 0) <= MINUTES_ACTIONS_MAX, {
    message: `at most ${MINUTES_ACTIONS_MAX} action items in all`,
    path: ['decisions'],
  });
export type Minutes = z.output<typeof minutesSchema>;
