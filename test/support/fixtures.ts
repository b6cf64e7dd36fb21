import type { ActionLinkRecord, CaseRecord, TaskRecord } from '../../shared/data/records';
import type { CreateReferralArgs } from '../../shared/data/store';
import type { Directory } from '../../shared/domain/directory';
import type { ReferralRequest } from '../../shared/domain/referral';

/** A valid POST /referrals body; tests change one thing at a time. */
export function referralRequest(): ReferralRequest {
  return {
    region: 'korce',
    interviewDate: '2026-03-10',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-different-and-equal',
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'AL',
      language: 'sq',
      needs: ['shelter', 'legal'],
      riskLevel: 'high',
    },
    consent: { given: true },
  };
}

/** A small valid directory: two regions, police, a council and three NGOs. */
export function directory(): Directory {
  const contact = (name: string, email: string) => ({
    name,
    email,
    language: 'sq' as const,
    roles: ['focal-point' as const],
  });
  return {
    regions: [
      { regionId: 'korce', code: 'KOR', name: 'Korçë' },
      { regionId: 'tirane', code: 'TIR', name: 'Tiranë' },
    ],
    organisations: [
      {
        orgId: 'police-korce',
        name: 'Drejtoria Vendore e Policisë Korçë',
        kind: 'police',
        regions: ['korce'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [contact('Oficeri', 'police@example.org')],
      },
      {
        orgId: 'municipality-korce',
        name: 'Bashkia Korçë',
        kind: 'municipality',
        regions: ['korce'],
        services: ['shelter'],
        capacity: 5,
        childProtection: true,
        contacts: [contact('Njësia', 'council@example.org')],
      },
      {
        orgId: 'ngo-different-and-equal',
        name: 'Different and Equal',
        kind: 'ngo',
        regions: ['korce', 'tirane'],
        services: ['shelter', 'psycho-social', 'legal'],
        capacity: 3,
        childProtection: true,
        contacts: [contact('Focal Point', 'dne@example.org')],
      },
      {
        orgId: 'ngo-tjeter-vizion',
        name: 'Tjetër Vizion',
        kind: 'ngo',
        regions: ['korce'],
        services: ['shelter', 'medical'],
        capacity: 2,
        childProtection: false,
        contacts: [contact('Focal Point', 'tv@example.org')],
      },
      {
        orgId: 'ngo-vatra',
        name: 'Vatra',
        kind: 'ngo',
        regions: ['tirane'],
        services: ['shelter'],
        capacity: 4,
        childProtection: true,
        contacts: [contact('Focal Point', 'vatra@example.org')],
      },
    ],
  };
}

export const CASE_ID = '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
export const T0 = '2026-03-10T09:00:00.000Z';

/** The intake transaction for a fresh case. */
export function createReferralArgs(overrides: Partial<CreateReferralArgs> = {}): CreateReferralArgs {
  const caseItem: CaseRecord = {
    caseId: CASE_ID,
    reference: 'KOR-2026-0001',
    region: 'korce',
    status: 'REFERRED',
    version: 1,
    interviewDate: '2026-03-10',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-different-and-equal',
    person: referralRequest().person,
    consentGiven: true,
    referringOrgId: 'police-korce',
    officerSub: 'officer-sub-1',
    offeredOrgIds: [],
    createdAt: T0,
    updatedAt: T0,
  };
  return {
    caseItem,
    event: { caseId: CASE_ID, at: T0, type: 'REFERRED', actor: 'officer-sub-1', orgId: 'police-korce' },
    idempotency: {
      scope: 'police-korce',
      key: 'idem-key-1',
      requestHash: 'a'.repeat(64),
      response: { caseId: CASE_ID, reference: 'KOR-2026-0001', status: 'REFERRED' },
      createdAt: T0,
    },
    ...overrides,
  };
}

/** The first offer's task id (a v4 UUID, as every task id is). */
export const TASK_ID = 'a3c5e7f9-1b2d-4f6a-8c0e-2a4c6e8a0c2e';

/** An open offer of the fixture case, due and expiring a day after it opened. */
export function offerTask(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskId: TASK_ID,
    kind: 'OFFER',
    subject: 'case',
    caseId: CASE_ID,
    orgId: 'ngo-different-and-equal',
    status: 'OPEN',
    reason: 'REGION_SERVICE_MATCH',
    createdAt: '2026-03-10T09:01:00.000Z',
    dueAt: '2026-03-11T09:01:00.000Z',
    expiresAt: '2026-03-11T09:01:00.000Z',
    sequence: 1,
    ...overrides,
  };
}

/** An open task of another kind for the fixture case (no expiry: only a soft due instant). */
export function caseTask(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskId: 'b4d6f8a0-2c3e-4a5b-9d7f-1e3a5c7e9b1d',
    kind: 'NEEDS_ASSESSMENT',
    subject: 'case',
    caseId: CASE_ID,
    orgId: 'ngo-different-and-equal',
    status: 'OPEN',
    createdAt: '2026-03-10T09:01:00.000Z',
    dueAt: '2026-03-13T22:59:59.999Z',
    sequence: 1,
    ...overrides,
  };
}

export function actionLink(overrides: Partial<ActionLinkRecord> = {}): ActionLinkRecord {
  return {
    hash: 'b'.repeat(64),
    taskId: TASK_ID,
    expiresAt: '2026-03-11T09:01:00.000Z',
    ...overrides,
  };
}
