import type { AgeGroup, Need } from '../domain/codes';
import type { Organisation, Region } from '../domain/directory';
import type { OfferReason } from '../domain/ngo-choice';
import type { CaseStatus, Person, ReferralResponse } from '../domain/referral';

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
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type TaskStatus = 'OPEN' | 'DECIDED' | 'TIMED_OUT';
export type Decision = 'accept' | 'decline';

/** A human task. The Step Functions task token lives here and nowhere else. */
export interface TaskRecord {
  readonly taskId: string;
  readonly kind: 'OFFER';
  readonly caseId: string;
  readonly orgId: string;
  readonly status: TaskStatus;
  readonly reason: OfferReason;
  readonly createdAt: string;
  readonly deadline?: string;
  readonly sfnTaskToken?: string;
  readonly actionHash?: string;
  readonly emailedAt?: string;
  /** When the coordinators were told how the offer ended. */
  readonly notifiedAt?: string;
  readonly decision?: Decision;
  /** Free text from the decline form: kept here, never in workflow input or output. */
  readonly declineReason?: string;
  readonly decidedAt?: string;
}

/** An action link: only the SHA-256 of the token is stored. */
export interface ActionLinkRecord {
  readonly hash: string;
  readonly taskId: string;
  readonly expiresAt: string;
  readonly usedAt?: string;
}

export interface CaseEvent {
  readonly caseId: string;
  readonly at: string;
  readonly type: string;
  readonly actor: string;
  readonly orgId?: string;
  readonly taskId?: string;
}

export interface IdempotencyRecord {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  readonly response: ReferralResponse;
  readonly createdAt: string;
}

export type { AgeGroup, Need };
