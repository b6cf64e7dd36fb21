import type { Organisation, Region } from '../domain/directory';
import type { CaseStatus, Person } from '../domain/referral';
import type { ErasedCase } from './erased';
import type {
  ActionLinkRecord,
  Actor,
  CaseEvent,
  CaseEventDetail,
  CaseRecord,
  DueItem,
  IdempotencyRecord,
  MeetingDueItem,
  MeetingMailDueItem,
  OrgRecord,
  ReminderDueItem,
  TaskRecord,
} from './records';

/** Outcome of the intake transaction: 'idempotency-exists' when the key was used before. */
export type CreateReferralResult = 'created' | 'idempotency-exists';

export interface CreateReferralArgs {
  readonly caseItem: CaseRecord;
  readonly event: CaseEvent;
  readonly idempotency: IdempotencyRecord;
}

export interface ArmTaskArgs {
  readonly taskId: string;
  readonly caseId: string;
  /** Absent for a task no workflow waits on (a plan item): only the link is stored. */
  readonly sfnTaskToken?: string;
  readonly link: ActionLinkRecord;
}

/**
 * What arming an offer found, read from the task as the refused condition saw it (no read
 * before the write):
 * - `armed`: this link is now the task's and nothing was emailed yet;
 * - `armed-before`: the same link was armed by an earlier run of the same attempt; its
 *   deadline stands, and `emailed` says whether that run recorded the email;
 * - `emailed-before`: another attempt already emailed its link (which stays valid); the
 *   callback token still has to be swapped (`rearmOffer`);
 * - `closed`: the task is missing, of another case, or no longer open.
 */
export type ArmTaskResult =
  | { readonly kind: 'armed' }
  | { readonly kind: 'armed-before'; readonly linkExpiresAt: string; readonly emailed: boolean }
  | { readonly kind: 'emailed-before' }
  | { readonly kind: 'closed' };

/** The task as a refused arming saw it (undefined: no task). */
export interface ArmedTaskView {
  readonly status?: string | undefined;
  readonly caseId?: string | undefined;
  readonly actionHash?: string | undefined;
  readonly linkExpiresAt?: string | undefined;
  readonly emailedAt?: string | undefined;
}

/**
 * Why arming was refused, from the task the condition saw. Shared by every Store, so all
 * decide alike.
 */
export function armRefusal(old: ArmedTaskView | undefined, args: ArmTaskArgs): ArmTaskResult {
  if (old?.status !== 'OPEN' || old.caseId !== args.caseId) return { kind: 'closed' };
  if (old.actionHash === args.link.hash) {
    return {
      kind: 'armed-before',
      linkExpiresAt: old.linkExpiresAt ?? args.link.expiresAt,
      emailed: !!old.emailedAt,
    };
  }
  if (old.emailedAt) return { kind: 'emailed-before' };
  // Open, not emailed, another link: the condition should have passed. The link put failed
  // alone, which only a hash collision explains.
  throw new Error('the action link exists already');
}

/** The ids a task transition needs; the workflow state carries them, so no read is needed. */
export interface TaskRef {
  readonly taskId: string;
  readonly caseId?: string;
  readonly meetingId?: string;
  readonly orgId: string;
}

/** A case task's reference (the offer's paths). */
export type CaseTaskRef = TaskRef & { readonly caseId: string };

/** Notices about a case as a whole (not about one task), recorded once sent. */
/** `transferred-<c>`, `reopened-<c>`: the notice of the transfer or reopening that began cycle c. */
export type CaseNotice =
  | 'unassigned'
  | 'closed'
  | 'withdrawn'
  | `transferred-${number}`
  | `reopened-${number}`;

export interface OpenOfferArgs {
  readonly caseId: string;
  readonly expectedVersion: number;
  /** The offer this one follows (undefined for the first): makes a retried step a no-op. */
  readonly afterTaskId: string | undefined;
  readonly task: TaskRecord;
  readonly now: string;
}

/** A new task: the task, its due item, its place among the case's open tasks, an event. */
export interface OpenTaskArgs {
  readonly task: TaskRecord;
  readonly actor: Actor;
  readonly now: string;
}

/** 'exists': a task with this id was opened before; 'case-closed': the case is final or gone. */
export type OpenTaskResult = 'opened' | 'exists' | 'case-closed';

/**
 * Closes an open task with its outcome, all in one transaction: the link used (when acted
 * on through one), the task's status, its due item removed, the case's open tasks, the
 * case's status when the outcome moves it (optimistic: only from the statuses named), the
 * case facts the outcome records, the new tasks it asks for (plan items), and the timeline.
 */
export interface CompleteTaskArgs {
  readonly task: TaskRecord;
  /** The link it was done through; absent when done through the API. */
  readonly hash?: string;
  readonly status: 'DONE' | 'DECLINED' | 'CANCELLED';
  readonly result?: string;
  readonly outcome?: Readonly<Record<string, unknown>>;
  readonly note?: string;
  readonly actor: Actor;
  readonly now: string;
  readonly caseStatus?: { readonly from: readonly CaseStatus[]; readonly to: CaseStatus };
  /** Case attributes the outcome sets (assessed needs, guardian appointed, ...). */
  readonly caseFacts?: Readonly<Record<string, unknown>>;
  readonly newTasks?: readonly TaskRecord[];
  /** Open tasks of the case this outcome closes without an answer (a review's `close`). */
  readonly closeTasks?: readonly TaskRecord[];
  /** Open tasks of the case this outcome gives a new due instant (a review's `reschedule`). */
  readonly moveTasks?: ReadonlyArray<Pick<MoveTaskDueArgs, 'task' | 'dueAt' | 'reminder'>>;
  /** Other items for the due-time index, written with the rest (new tasks' first emails). */
  readonly due?: readonly DueItem[];
}

export interface DuePage {
  readonly items: DueItem[];
  /** Items DynamoDB read for the page (`ScannedCount`). */
  readonly scanned: number;
}

export interface FinishReminderArgs {
  readonly item: ReminderDueItem;
  readonly claimedUntil: string;
  readonly now: string;
  /** A chain item of an open task: how many steps it acted on and its next step, if any. */
  readonly advance?: {
    readonly task: TaskRecord;
    readonly sent: number;
    readonly next?: { readonly reminderStep: number; readonly reminderAt: string };
  };
  /** Copies for recipients whose quiet hours the step fell in, each due when theirs end. */
  readonly deferred: readonly ReminderDueItem[];
}

export interface MoveTaskDueArgs {
  readonly task: TaskRecord;
  readonly dueAt: string;
  /** Its first reminder after the move, if any is left. */
  readonly reminder?: { readonly reminderStep: number; readonly reminderAt: string };
  readonly actor: Actor;
  readonly now: string;
}

/** A case status change on its own (withdrawal, assignment): conditional, with its event. */
export interface MoveCaseArgs {
  readonly caseId: string;
  readonly from: readonly CaseStatus[];
  readonly to: CaseStatus;
  readonly type: string;
  readonly actor: Actor;
  readonly now: string;
  readonly facts?: Readonly<Record<string, unknown>>;
  /** Attributes removed from the case. */
  readonly remove?: readonly string[];
  /** Codes and ids the event keeps (a transfer's organisations and reason): never free text. */
  readonly detail?: CaseEventDetail;
  /** Also required: the case is in this cycle (absent counts as 1). */
  readonly cycle?: number;
}

/**
 * A profile correction (POST /cases/{caseId}/profile-correction): the whole corrected profile,
 * written only while the case is at `expectedVersion` and not final, with a PROFILE_CORRECTED
 * event naming the fields that changed (never their values).
 */
export interface CorrectProfileArgs {
  readonly caseId: string;
  readonly expectedVersion: number;
  readonly person: Person;
  readonly fields: readonly (keyof Person)[];
  readonly actor: Actor;
  readonly now: string;
}

/** A page of a list and the cursor of the next one (absent on the last page). */
export interface Page<T> {
  readonly items: T[];
  readonly next?: Record<string, unknown>;
}

export interface PageArgs {
  readonly limit: number;
  readonly start?: Record<string, unknown>;
}

/**
 * Persistence port of the referral use cases. `DynamoStore` implements it on the single
 * table; tests run it on DynamoDB Local, and use small hand fakes of a `Pick<Store, ...>`.
 */
export interface Store {
  getRegion(regionId: string): Promise<Region | undefined>;
  getOrganisation(orgId: string): Promise<OrgRecord | undefined>;
  listOrganisations(): Promise<OrgRecord[]>;
  /** Writes the region unless it exists; true when written. */
  seedRegion(region: Region): Promise<boolean>;
  /** Writes the organisation unless it exists (its offer count is live data); true when written. */
  seedOrganisation(org: Organisation): Promise<boolean>;

  /**
   * Moves the counter up by one in a single atomic update and returns the new value. Numbers
   * taken by a request that then fails or turns out to be a replay are not given back.
   */
  nextCounter(key: string): Promise<number>;
  getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Case, first event and idempotency record in one transaction; the key decides a replay. */
  createReferral(args: CreateReferralArgs): Promise<CreateReferralResult>;

  getCase(caseId: string): Promise<CaseRecord | undefined>;
  /** What the retention run left of an erased case, if it was erased. */
  getErasedCase(caseId: string): Promise<ErasedCase | undefined>;
  listEvents(caseId: string): Promise<CaseEvent[]>;
  /** Case to OFFERED with the new task, the NGO's offer count up, an event; false on conflict. */
  openOffer(args: OpenOfferArgs): Promise<boolean>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /** Opens a task (plan items, reviews, the child protection unit's); see OpenTaskArgs. */
  openTask(args: OpenTaskArgs): Promise<OpenTaskResult>;
  /**
   * Stores the callback token and a new action link on an open task that was not emailed
   * yet, in one write. An earlier link of the task stays valid (it may have been emailed by
   * a run that stopped before recording it); the task's single use still holds.
   */
  armTask(args: ArmTaskArgs): Promise<ArmTaskResult>;
  /** Replaces only the callback token of an open, already emailed task (its link stays valid). */
  /** One more live link for an open task of this case (false: the task is not open or not of the case). */
  addTaskLink(args: { taskId: string; caseId?: string; link: ActionLinkRecord }): Promise<boolean>;
  rearmTask(taskId: string, sfnTaskToken: string): Promise<boolean>;
  markEmailed(taskId: string, at: string): Promise<void>;
  /** Records that whoever is told how the task ended was told (a retried step does not tell them twice). */
  markNotified(taskId: string, at: string): Promise<void>;
  /** When a case notice was recorded as sent; undefined when not yet. */
  getNotice(caseId: string, notice: CaseNotice): Promise<string | undefined>;
  /** Records a case notice as sent (the first record stands). */
  markNoticeSent(caseId: string, notice: CaseNotice, at: string): Promise<void>;
  getActionLink(hash: string): Promise<ActionLinkRecord | undefined>;
  /** See CompleteTaskArgs; false when the task (or its link) was no longer open or the case moved. */
  completeTask(args: CompleteTaskArgs): Promise<boolean>;
  /** OPEN -> TIMED_OUT, offer count down, event; false when the task was not open. */
  lapseTask(
    task: Pick<TaskRecord, 'taskId' | 'orgId' | 'caseId' | 'subject' | 'reminderAt'>,
    now: string,
  ): Promise<boolean>;
  /** Case OFFERED by this task -> ACCEPTED; false when it already moved on. */
  acceptCase(args: { caseId: string; task: CaseTaskRef; now: string }): Promise<boolean>;
  /** Case -> UNASSIGNED; false when already so. */
  markUnassigned(args: { caseId: string; now: string }): Promise<boolean>;
  /** See MoveCaseArgs; false when the case was not in one of the `from` statuses. */
  moveCase(args: MoveCaseArgs): Promise<boolean>;
  /** See CorrectProfileArgs; false when the case moved on (another version) or ended. */
  correctProfile(args: CorrectProfileArgs): Promise<boolean>;

  /** Puts an item on the due-time index unless it is there; true when written. */
  putDue(item: DueItem): Promise<boolean>;
  /** What is due by `now` in one shard, oldest first, at most `limit`. */
  listDue(shard: number, now: string, limit: number): Promise<DueItem[]>;
  /** As `listDue`, with the items DynamoDB read (`ScannedCount`): the sweep's cost. */
  listDuePage(shard: number, now: string, limit: number): Promise<DuePage>;
  /** Takes a due item for a run until `until`; false when another run holds it or it is gone. */
  claimDue(item: DueItem, until: string, now: string): Promise<boolean>;
  /** Gives a claimed item back (a run that stopped short of it). */
  releaseDue(item: DueItem, claimedUntil: string): Promise<void>;
  /** A claimed item replaced by another (an outbox message's next attempt). */
  replaceDue(old: DueItem, claimedUntil: string, next: DueItem): Promise<boolean>;
  /** Records the recipients a claimed reminder already reached (a crash then resends to no one twice). */
  recordSentTo(
    item: ReminderDueItem | MeetingMailDueItem | MeetingDueItem,
    claimedUntil: string,
    emails: readonly string[],
  ): Promise<boolean>;
  /**
   * A claimed reminder acted on: the item goes; a chain item moves the task's chain to its next
   * step (or ends it) in the same transaction, while the task is open and the chain unmoved;
   * copies for recipients in quiet hours are put for later.
   */
  finishReminder(args: FinishReminderArgs): Promise<boolean>;
  /** Gives a task from before reminders its reminder chain (false: it has one, or is not open). */
  startReminders(task: TaskRecord, reminder: { reminderStep: number; reminderAt: string }): Promise<boolean>;
  /** Moves an open task's due instant, its place in its organisation's list and its pending reminder. */
  moveTaskDue(args: MoveTaskDueArgs): Promise<boolean>;
  getTasks(taskIds: readonly string[]): Promise<Map<string, TaskRecord>>;
  getCases(caseIds: readonly string[]): Promise<Map<string, CaseRecord>>;
  deleteDue(item: DueItem): Promise<void>;
  /** Marks an open task overdue once, with its event; false when done or marked before. */
  markOverdue(task: TaskRecord, now: string): Promise<boolean>;
  /**
   * A waited task found done already (a stage continued in a new execution after its answer):
   * keeps the new execution's token on the task and puts a TASK_ANSWER item on the due-time
   * index, so the dispatcher tells that execution the recorded result.
   */
  keepAnswerToken(task: TaskRecord, sfnTaskToken: string, now: string): Promise<void>;
  /** Records that the overdue task was escalated (the first record stands). */
  markEscalated(taskId: string, at: string): Promise<void>;

  /**
   * A region's cases, oldest first; `createdFrom` (inclusive) and `createdBefore` (exclusive),
   * ISO instants, keep those referred in that window (a key range on the index: only they are read).
   */
  listCases(
    region: string,
    page: PageArgs & { readonly createdFrom?: string; readonly createdBefore?: string },
  ): Promise<Page<CaseRecord>>;
  /**
   * A region's erased cases (what the retention run left of them: the figures the statistics
   * count), in the same window as `listCases`.
   */
  listErasedCases(
    region: string,
    page: PageArgs & { readonly createdFrom?: string; readonly createdBefore?: string },
  ): Promise<Page<ErasedCase>>;
  /** An organisation's open or closed tasks, by due instant; `dueBefore` keeps the overdue ones. */
  listOrgTasks(
    orgId: string,
    open: boolean,
    page: PageArgs & { readonly dueBefore?: string },
  ): Promise<Page<TaskRecord>>;
  appendEvent(event: CaseEvent): Promise<void>;
}
