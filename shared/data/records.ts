import type { AgeGroup, Need, Role } from '../domain/codes';
import type { Organisation, Region } from '../domain/directory';
import type { MeetingStatus, Recurrence, RsvpAnswer } from '../domain/meetings';
import type { Minutes } from '../domain/minutes';
import type { OfferReason } from '../domain/ngo-choice';
import type { CaseStatus, Consent, Person, ReferralResponse } from '../domain/referral';
import type { Stage, StageInput } from '../domain/stages';
import type { PlanService, TaskKind, TaskStatus } from '../domain/tasks';
import type { OutgoingEmail } from '../email/mailer';

/** An organisation as stored: the directory entry plus its live offer count. */
export interface OrgRecord extends Organisation {
  readonly openOffers: number;
}

export type { Region };

/** The case item. `version` grows by one with every update (optimistic concurrency). */
export interface CaseRecord {
  readonly caseId: string;
  readonly reference: string;
  readonly region: string;
  readonly status: CaseStatus;
  readonly version: number;
  readonly interviewDate: string;
  readonly socialWorkerPresent: boolean;
  readonly socialWorkerOrgId: string;
  readonly person: Person;
  readonly consentGiven: boolean;
  /** Who may receive what (absent on cases from before: the NGO only). */
  readonly consent?: Consent;
  readonly preferredNgoId?: string;
  readonly referringOrgId: string;
  readonly officerSub: string;
  readonly officerEmail?: string;
  /** NGOs this case has been offered to, in order. */
  readonly offeredOrgIds: readonly string[];
  /** The NGO whose answer is awaited (status OFFERED). */
  readonly offeredOrgId?: string;
  readonly currentOfferTaskId?: string;
  readonly acceptedOrgId?: string;
  readonly acceptedAt?: string;
  /**
   * Starts at 1; a transfer to another NGO or a reopening starts a new cycle, whose stage
   * executions and tasks are new.
   */
  readonly cycle?: number;
  /**
   * Tasks not yet final, id to kind: what a withdrawal cancels. A map, not a set: one update
   * can add one task and remove another (a set's ADD and DELETE may not meet in one update).
   */
  readonly openTasks?: Readonly<Record<string, TaskKind>>;
  /** The needs the assessment found. */
  readonly assessedNeeds?: readonly Need[];
  readonly guardianAppointed?: boolean;
  /**
   * When follow-up began: the instant the plan review that ended assistance (`complete`) was
   * completed. The check-ins (`followUpMonths`) count from here, not from `acceptedAt`.
   */
  readonly followUpFrom?: string;
  /** The closure the NGO proposed, awaiting the coordinator. */
  readonly closureProposal?: 'CLOSED' | 'CLOSED_REFERRED';
  readonly closedAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type { TaskStatus };
export type TaskSubject = 'case' | 'meeting';

/** The case a task belongs to; for the paths that only ever handle case tasks (the workflows' steps). */
export function caseIdOf(task: Pick<TaskRecord, 'subject' | 'caseId' | 'taskId'>): string {
  if (task.subject !== 'case' || task.caseId === undefined)
    throw new Error(`task ${task.taskId} is not a case task`);
  return task.caseId;
}
export type Decision = 'accept' | 'decline';

/**
 * Who acted, as the timeline names them: a role and an organisation, never a person.
 * `link`: whoever holds the task's emailed link, acting for its organisation.
 */
export interface Actor {
  readonly role: Role | 'system' | 'link';
  readonly orgId?: string;
}

/**
 * A human task, one record for every kind (ARCHITECTURE.md, principle 9). The Step Functions
 * task token lives here and nowhere else; it never leaves the server.
 *
 * Two deadlines, never confused: `dueAt` is soft (past it the task is overdue, reminded and
 * escalated, and can still be done); `expiresAt`, only where a workflow must move on without
 * an answer (the offer), is the waiting state's timeout.
 */
export interface TaskRecord {
  readonly taskId: string;
  readonly kind: TaskKind;
  /** What the task is about: a case (its stages) or a meeting (its minutes and action items). */
  readonly subject: TaskSubject;
  /** The case of a case task (read it with `caseIdOf`); absent on a meeting's tasks. */
  readonly caseId?: string;
  /** The meeting of a meeting task (its minutes, or a decision's action item). */
  readonly meetingId?: string;
  /** The organisation that acts on it. */
  readonly orgId: string;
  /** The contact it was sent to, where known (for "my tasks"). */
  readonly contactEmails?: readonly string[];
  readonly status: TaskStatus;
  readonly createdAt: string;
  readonly dueAt: string;
  readonly expiresAt?: string;
  /** Which of a kind's repeats this is (review 2, follow-up 3); 1 for one-off kinds. */
  readonly sequence: number;
  /** Why this organisation was chosen (offers). */
  readonly reason?: OfferReason;
  /** What a plan item provides. */
  readonly service?: PlanService;
  /** A meeting's action item: what is to be done (the minutes' words), and the decision it came from. */
  readonly title?: string;
  readonly decision?: number;
  /** The structured outcome of its kind (no free text). */
  readonly outcome?: Readonly<Record<string, unknown>>;
  /** The one word the workflow branched on (`accept`, `complete`, ...). */
  readonly result?: string;
  /** Free text of a "no" (decline reason): here only, never in workflow data, email or logs. */
  readonly note?: string;
  readonly completedAt?: string;
  readonly completedBy?: Actor;
  readonly sfnTaskToken?: string;
  readonly actionHash?: string;
  /** When the newest armed link expires. */
  readonly linkExpiresAt?: string;
  readonly emailedAt?: string;
  /** When whoever is told how the task ended was told (a retried step does not tell them twice). */
  readonly notifiedAt?: string;
  /**
   * The task's next reminder (shared/domain/reminders.ts): its step in the reminder plan and
   * the instant of its item on the due-time index. Absent: no reminder is pending.
   */
  readonly reminderStep?: number;
  readonly reminderAt?: string;
  /** Reminder steps acted on, and when the last one was. */
  readonly remindersSent?: number;
  readonly lastReminderAt?: string;
  /** When it was first found overdue, and when that was escalated. */
  readonly overdueAt?: string;
  readonly escalatedAt?: string;
}

/** An action link: only the SHA-256 of the token is stored. */
export interface ActionLinkRecord {
  readonly hash: string;
  readonly taskId: string;
  readonly expiresAt: string;
  readonly usedAt?: string;
}

/**
 * One entry of the case's append-only timeline. `actor` is `system`, `action-link` or a role
 * (older events) with `orgId`; `status` is the status the case reached, when it changed.
 */
export interface CaseEvent {
  readonly caseId: string;
  readonly at: string;
  readonly type: string;
  readonly actor: string;
  /** The organisation the actor acted for, when known. */
  readonly actorOrgId?: string;
  readonly orgId?: string;
  readonly taskId?: string;
  readonly kind?: TaskKind;
  readonly status?: CaseStatus;
  /** Who a message was sent to, or who bounced or complained (delivery events): addresses only, never content. */
  readonly recipients?: readonly string[];
  /** The profile fields a correction changed (PROFILE_CORRECTED): names only, never values. */
  readonly fields?: readonly string[];
  /** A transfer's organisations, a transfer's or reopening's reason code. */
  readonly fromOrgId?: string;
  readonly toOrgId?: string;
  readonly reason?: string;
  /** The cycle a transfer or reopening began. */
  readonly cycle?: number;
}

/** What a status change's event keeps besides who and when: ids and codes only. */
export type CaseEventDetail = Pick<CaseEvent, 'fields' | 'fromOrgId' | 'toOrgId' | 'reason' | 'cycle'>;

/** What falls due on the due-time index: a stage to start, or a task's due instant. */
export type DueItem =
  | {
      readonly type: 'START_STAGE';
      readonly dueAt: string;
      /** The execution's name: deterministic, so a repeated start is the same execution. */
      readonly ref: string;
      readonly caseId: string;
      readonly stage: Stage;
      readonly input: StageInput;
    }
  | {
      /** A done task whose new waiting execution must be told its result. */
      readonly type: 'TASK_ANSWER';
      readonly dueAt: string;
      readonly ref: string;
      readonly caseId: string;
      readonly taskId: string;
    }
  | {
      /** Before the reminder engine: a task's due instant (read as its reminder chain). */
      readonly type: 'TASK_DUE';
      readonly dueAt: string;
      readonly ref: string;
      readonly caseId: string;
      readonly taskId: string;
    }
  | ReminderDueItem
  | OutboxDueItem
  | MeetingDueItem
  | TaskMailDueItem
  | MeetingMailDueItem;

/**
 * A meeting's messages to send (invitations, an update, cancellations): written in the same
 * transaction as the change they tell of, held (claimed) by the writer, which sends them at
 * once and takes the item off. A writer that died mid-way leaves it; once its claim lapses the
 * dispatcher sends to whoever is not in `sentTo`. Superseded invitations (a later change raised
 * the SEQUENCE) are dropped: that change has its own.
 */
export interface MeetingMailDueItem {
  readonly type: 'MEETING_MAIL';
  readonly dueAt: string;
  /** `<meetingId>#<sequence>#<message>`. */
  readonly ref: string;
  readonly meetingId: string;
  readonly message: 'invite' | 'update' | 'cancel' | 'removed';
  readonly sequence: number;
  readonly to: readonly MeetingAttendee[];
  readonly claimedUntil?: string;
  readonly sentTo?: Iterable<string>;
}

/**
 * A task made without a function that mails (a meeting's action items and minutes task):
 * its first email, sent by the dispatcher within a minute. Written with the task, so it is
 * never lost between the write and the send.
 */
export interface TaskMailDueItem {
  readonly type: 'TASK_MAIL';
  readonly dueAt: string;
  readonly ref: string;
  readonly taskId: string;
  readonly claimedUntil?: string;
}

/**
 * A meeting's one item on the index (`ref` the meeting id): its next step, a reminder to the
 * invitees or its end (shared/domain/meetings.ts `meetingSteps`). The instant is also on the
 * meeting (`stepAt`), so an item a change has moved on from is recognised and dropped.
 */
export interface MeetingDueItem {
  readonly type: 'MEETING';
  readonly dueAt: string;
  readonly ref: string;
  readonly meetingId: string;
  readonly step: number;
  readonly claimedUntil?: string;
  /** Who already has this step's reminder (a run that stopped mid-send). */
  readonly sentTo?: Iterable<string>;
}

/**
 * A task's next reminder (shared/domain/reminders.ts): one item per open task, `ref` the
 * task id, `step` its place in the task's reminder plan. Or, with `to`, the deferred copy of
 * one step for one recipient whose quiet hours it fell in (`ref` `<taskId>#<step>#<to>`).
 */
export interface ReminderDueItem {
  readonly type: 'REMINDER';
  readonly dueAt: string;
  readonly ref: string;
  /** The task's case, or (meeting tasks) its meeting. */
  readonly caseId?: string;
  readonly meetingId?: string;
  readonly taskId: string;
  readonly step: number;
  readonly to?: string;
  /** A dispatcher run holds it until then (claimed, being sent); a later run may take it after. */
  readonly claimedUntil?: string;
  /** Who already has this step's message (a run that stopped mid-send wrote to them). */
  readonly sentTo?: Iterable<string>;
}

/** A message the mail service did not take: retried by the dispatcher at `dueAt` until it goes. */
export interface OutboxDueItem {
  readonly type: 'OUTBOX';
  /** The next attempt. */
  readonly dueAt: string;
  /** The outbox id. */
  readonly ref: string;
  /** Attempts made so far. */
  readonly attempt: number;
  readonly queuedAt: string;
  readonly email: OutgoingEmail;
  readonly claimedUntil?: string;
}

export interface IdempotencyRecord {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  readonly response: ReferralResponse;
  readonly createdAt: string;
}

export type { AgeGroup, Need };

/** One person a meeting's invitation goes to, as the directory named them when it was sent. */
export interface MeetingAttendee {
  readonly email: string;
  readonly name: string;
  readonly orgId: string;
  readonly language: 'sq' | 'en';
  readonly timeZone?: string;
}

/** An invitee's answer, through their invitation's link. */
export interface MeetingResponse {
  readonly answer: RsvpAnswer;
  readonly at: string;
  /** The invitation (SEQUENCE) answered. */
  readonly sequence: number;
}

/**
 * A meeting of the cooperation group. `sequence` is the iCalendar SEQUENCE: raised by every
 * change attendees must see (time, place, title, agenda, invitees, cancellation). `version`
 * grows with every write (optimistic concurrency), answers included.
 */
export interface MeetingRecord {
  readonly meetingId: string;
  readonly region: string;
  readonly title: string;
  readonly agenda: readonly string[];
  readonly place?: string;
  readonly videoUrl?: string;
  /** Instants (UTC); shown in the group's zone, `timeZone`. */
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  /** Who was invited, as asked: organisations (their council and cluster members) and named contacts. */
  readonly invite: { readonly orgIds: readonly string[]; readonly emails: readonly string[] };
  /** The people that resolves to, as last sent. */
  readonly attendees: readonly MeetingAttendee[];
  /** The coordinator's mailbox: the invite's ORGANIZER. */
  readonly organizer: { readonly name: string; readonly email: string; readonly orgId: string };
  readonly status: MeetingStatus;
  readonly sequence: number;
  readonly version: number;
  readonly seriesId?: string;
  /** Its place in the series, 0 the first. */
  readonly occurrence?: number;
  readonly responses?: Readonly<Record<string, MeetingResponse>>;
  /** Its item on the due-time index: the step and instant. */
  readonly step?: number;
  readonly stepAt?: string;
  readonly minutesTaskId?: string;
  readonly minutes?: Minutes & { readonly recordedAt: string };
  /** Its action items and minutes task while open, id to kind. */
  readonly openTasks?: Readonly<Record<string, TaskKind>>;
  readonly createdBy: Actor;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly cancelledAt?: string;
}

/** A recurring meeting: occurrences are made from it, `SERIES_AHEAD` ahead. */
export interface SeriesRecord {
  readonly seriesId: string;
  readonly region: string;
  readonly recurrence: Recurrence;
  /** The first occurrence's local start and end (`2027-01-15T10:00`), in `timeZone`. */
  readonly firstStart: string;
  readonly firstEnd: string;
  readonly timeZone: string;
  /** How many occurrences exist. */
  readonly made: number;
  readonly cancelledAt?: string;
}

/** An invitation's answer link: only the SHA-256 of the token is stored. */
export interface RsvpLinkRecord {
  readonly hash: string;
  readonly meetingId: string;
  readonly email: string;
  readonly sequence: number;
  readonly expiresAt: string;
  readonly usedAt?: string;
}

/** An entry of a meeting's history: who did what, ids and field names only. */
export interface MeetingEvent {
  readonly meetingId: string;
  readonly at: string;
  readonly type: string;
  readonly actor: Actor;
  readonly fields?: readonly string[];
  readonly taskId?: string;
  readonly email?: string;
  readonly answer?: RsvpAnswer;
}
