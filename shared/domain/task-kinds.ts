/**
 * The kinds of human task a case can give an actor (DOMAIN.md, stages of a case). Each has a
 * deadline in the deployment's configuration (`./deadlines`).
 */
export const TASK_KINDS = [
  /** An NGO focal point accepts or declines a case offer; the offer expires at its deadline. */
  'OFFER',
  /** For a child: the municipal child protection unit records the guardian appointed, same day. */
  'CHILD_PROTECTION',
  /** The NGO case worker records the person's needs, within 3 working days of acceptance. */
  'NEEDS_ASSESSMENT',
  /** The NGO and social services review the recovery and reflection period at day 30. */
  'REFLECTION_REVIEW',
  /** The NGO and local government draw up the assistance and reintegration plan, within 30 days. */
  'ASSISTANCE_PLAN',
  /** One item of the plan, for the actor it names (30 days unless the plan sets its own). */
  'PLAN_ITEM',
  /** The plan is reviewed every 3 months. */
  'PLAN_REVIEW',
  /** The NGO case worker checks in with the person and records the outcome (3, 6, 12 months). */
  'FOLLOW_UP',
  /** The NGO case worker proposes closing the case, within 10 working days. */
  'CLOSURE_PROPOSAL',
  /** The coordinator confirms the closure, within 5 working days. */
  'CLOSURE_CONFIRMATION',
  /** A meeting's coordinator records its minutes, within 3 working days of its end. */
  'MINUTES',
  /** A decision of a meeting gives an organisation (or a named contact) an action, by a date. */
  'ACTION_ITEM',
  /** Prevention work a meeting gave (an awareness session), reported with date, place and participants. */
  'PREVENTION',
] as const;

/** The kinds whose subject is a meeting; every other kind's is a case. */
export const MEETING_TASK_KINDS = ['MINUTES', 'ACTION_ITEM', 'PREVENTION'] as const;
export type MeetingTaskKind = (typeof MEETING_TASK_KINDS)[number];
export const isMeetingTaskKind = (kind: TaskKind): kind is MeetingTaskKind =>
  (MEETING_TASK_KINDS as readonly string[]).includes(kind);

export type TaskKind = (typeof TASK_KINDS)[number];
