import type { Organisation, Region } from '../domain/directory';
import type {
  ActionLinkRecord,
  CaseEvent,
  CaseRecord,
  Decision,
  IdempotencyRecord,
  OrgRecord,
  TaskRecord,
} from './records';

/** Outcome of the intake transaction: 'idempotency-exists' when the key was used before. */
export type CreateReferralResult = 'created' | 'idempotency-exists';

export interface CreateReferralArgs {
  readonly caseItem: CaseRecord;
  readonly event: CaseEvent;
  readonly idempotency: IdempotencyRecord;
}

export interface ArmOfferArgs {
  readonly taskId: string;
  readonly caseId: string;
  readonly sfnTaskToken: string;
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
export type ArmOfferResult =
  | { readonly kind: 'armed' }
  | { readonly kind: 'armed-before'; readonly deadline: string; readonly emailed: boolean }
  | { readonly kind: 'emailed-before' }
  | { readonly kind: 'closed' };

/** The task as a refused arming saw it (undefined: no task). */
export interface ArmedTaskView {
  readonly status?: string | undefined;
  readonly caseId?: string | undefined;
  readonly actionHash?: string | undefined;
  readonly deadline?: string | undefined;
  readonly emailedAt?: string | undefined;
}

/**
 * Why arming was refused, from the task the condition saw. Shared by every Store, so all
 * decide alike.
 */
export function armRefusal(old: ArmedTaskView | undefined, args: ArmOfferArgs): ArmOfferResult {
  if (old?.status !== 'OPEN' || old.caseId !== args.caseId) return { kind: 'closed' };
  if (old.actionHash === args.link.hash) {
    return { kind: 'armed-before', deadline: old.deadline ?? args.link.expiresAt, emailed: !!old.emailedAt };
  }
  if (old.emailedAt) return { kind: 'emailed-before' };
  // Open, not emailed, another link: the condition should have passed. The link put failed
  // alone, which only a hash collision explains.
  throw new Error('the action link exists already');
}

/** The ids a task transition needs; the workflow state carries them, so no read is needed. */
export interface TaskRef {
  readonly taskId: string;
  readonly caseId: string;
  readonly orgId: string;
}

/** Notices about a case as a whole (not about one task), recorded once sent. */
export type CaseNotice = 'unassigned';

export interface OpenOfferArgs {
  readonly caseId: string;
  readonly expectedVersion: number;
  /** The offer this one follows (undefined for the first): makes a retried step a no-op. */
  readonly afterTaskId: string | undefined;
  readonly task: TaskRecord;
  readonly now: string;
}

export interface DecideTaskArgs {
  readonly hash: string;
  readonly task: TaskRecord;
  readonly decision: Decision;
  readonly declineReason?: string;
  readonly now: string;
}

/**
 * Persistence port of the referral use cases. `DynamoStore` implements it on the single
 * table; tests use an in-memory fake with the same conditional semantics.
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
  listEvents(caseId: string): Promise<CaseEvent[]>;
  /** Case to OFFERED with the new task, the NGO's offer count up, an event; false on conflict. */
  openOffer(args: OpenOfferArgs): Promise<boolean>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Stores the callback token and a new action link on an open offer that was not emailed
   * yet, in one write. An earlier link of the task stays valid (it may have been emailed by
   * a run that stopped before recording it); the task's single use still holds.
   */
  armOffer(args: ArmOfferArgs): Promise<ArmOfferResult>;
  /** Replaces only the callback token of an open, already emailed offer (its link stays valid). */
  rearmOffer(taskId: string, sfnTaskToken: string): Promise<boolean>;
  markEmailed(taskId: string, at: string): Promise<void>;
  /** Records that whoever is told how the offer ended was told (a retried step does not tell them twice). */
  markNotified(taskId: string, at: string): Promise<void>;
  /** When a case notice was recorded as sent; undefined when not yet. */
  getNotice(caseId: string, notice: CaseNotice): Promise<string | undefined>;
  /** Records a case notice as sent (the first record stands). */
  markNoticeSent(caseId: string, notice: CaseNotice, at: string): Promise<void>;
  getActionLink(hash: string): Promise<ActionLinkRecord | undefined>;
  /** Uses the link and decides the task at once; false when either was no longer open. */
  decideTask(args: DecideTaskArgs): Promise<boolean>;
  /** OPEN -> TIMED_OUT, offer count down, event; false when the task was not open. */
  lapseTask(task: TaskRef, now: string): Promise<boolean>;
  /** Case OFFERED by this task -> ACCEPTED; false when it already moved on. */
  acceptCase(args: { caseId: string; task: TaskRef; now: string }): Promise<boolean>;
  /** Case -> UNASSIGNED; false when already so. */
  markUnassigned(args: { caseId: string; now: string }): Promise<boolean>;
  appendEvent(event: CaseEvent): Promise<void>;
}
