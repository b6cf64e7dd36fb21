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

/** Outcome of the intake transaction. */
export type CreateReferralResult = 'created' | 'counter-moved' | 'idempotency-exists';

export interface CreateReferralArgs {
  readonly caseItem: CaseRecord;
  readonly event: CaseEvent;
  readonly idempotency: IdempotencyRecord;
  /** The reference counter: the value read before (undefined = none yet) and the new one. */
  readonly counter: { readonly key: string; readonly expected: number | undefined; readonly next: number };
}

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

  getCounter(key: string): Promise<number | undefined>;
  getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Case, first event, counter and idempotency record in one transaction. */
  createReferral(args: CreateReferralArgs): Promise<CreateReferralResult>;

  getCase(caseId: string): Promise<CaseRecord | undefined>;
  listEvents(caseId: string): Promise<CaseEvent[]>;
  /** Case to OFFERED with the new task, the NGO's offer count up, an event; false on conflict. */
  openOffer(args: OpenOfferArgs): Promise<boolean>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Stores the callback token and the action link of an open offer. Replaces an earlier
   * link of the same task (a retried step), so only the newest link works.
   */
  armOffer(args: { task: TaskRecord; sfnTaskToken: string; link: ActionLinkRecord }): Promise<boolean>;
  /** Replaces only the callback token of an open, already emailed offer (its link stays valid). */
  rearmOffer(taskId: string, sfnTaskToken: string): Promise<boolean>;
  markEmailed(taskId: string, at: string): Promise<void>;
  /** Records that the coordinators were told how the offer ended (a retried step does not tell them twice). */
  markNotified(taskId: string, at: string): Promise<void>;
  getActionLink(hash: string): Promise<ActionLinkRecord | undefined>;
  /** Uses the link and decides the task at once; false when either was no longer open. */
  decideTask(args: DecideTaskArgs): Promise<boolean>;
  /** OPEN -> TIMED_OUT, offer count down, event; false when the task was not open. */
  lapseTask(task: TaskRecord, now: string): Promise<boolean>;
  /** Case OFFERED by this task -> ACCEPTED; false when it already moved on. */
  acceptCase(args: { caseId: string; task: TaskRecord; now: string }): Promise<boolean>;
  /** Case -> UNASSIGNED; false when already so. */
  markUnassigned(args: { caseId: string; now: string }): Promise<boolean>;
  appendEvent(event: CaseEvent): Promise<void>;
}
