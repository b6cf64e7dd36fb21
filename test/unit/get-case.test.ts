import { getCase } from '../../functions/read-cases/read-cases';
import type { MemberCaller } from '../../shared/auth/caller';
import { mayRead } from '../../shared/auth/case-access';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import { ForbiddenError, NotFoundError } from '../../shared/errors';

const CASE_ID = '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
const base: CaseRecord = {
  caseId: CASE_ID,
  reference: 'KOR-2026-0001',
  region: 'korce',
  status: 'OFFERED',
  version: 3,
  interviewDate: '2026-03-10',
  socialWorkerPresent: true,
  socialWorkerOrgId: 'ngo-vatra',
  person: {
    ageGroup: 'child',
    gender: 'male',
    nationality: 'AL',
    language: 'sq',
    needs: ['shelter'],
    riskLevel: 'high',
  },
  consentGiven: false,
  referringOrgId: 'police-korce',
  officerSub: 'officer-1',
  officerEmail: 'officer@example.org',
  offeredOrgIds: ['ngo-declined', 'ngo-current'],
  offeredOrgId: 'ngo-current',
  currentOfferTaskId: 'task-2',
  createdAt: '2026-03-10T09:00:00.000Z',
  updatedAt: '2026-03-10T10:00:00.000Z',
};
const openTask = (orgId: string, status: 'OPEN' | 'DECLINED' = 'OPEN'): TaskRecord => ({
  taskId: 'task-2',
  kind: 'OFFER',
  subject: 'case',
  caseId: CASE_ID,
  orgId,
  status,
  reason: 'REGION_SERVICE_MATCH',
  createdAt: '2026-03-10T09:30:00.000Z',
  dueAt: '2026-03-11T09:30:00.000Z',
  sequence: 1,
});
const storeWith = (item: CaseRecord | undefined, status: 'OPEN' | 'DECLINED' = 'OPEN') => ({
  store: {
    getCase: async () => item,
    getTask: async () => openTask('ngo-current', status),
    listEvents: async () => [],
    listCases: async () => ({ items: [] }),
  },
});
const KINDS = {
  police: 'police',
  ngo: 'ngo',
  coordinator: 'prefecture',
  localgov: 'department',
  council: 'municipality',
  admin: 'prefecture',
} as const;
const caller = (role: MemberCaller['role'], orgId: string, regions: string[] = ['korce']): MemberCaller => ({
  sub: 's',
  orgId,
  role,
  orgKind: KINDS[role],
  regions,
});

describe('getCase', () => {
  it.each([
    ['the referring police organisation', caller('police', 'police-korce'), base, true],
    ['another police organisation', caller('police', 'police-tirane'), base, false],
    ['the NGO it is offered to', caller('ngo', 'ngo-current'), base, true],
    ['an NGO that declined', caller('ngo', 'ngo-declined'), base, false],
    [
      'the NGO that accepted',
      caller('ngo', 'ngo-current'),
      { ...base, status: 'ACCEPTED' as const, acceptedOrgId: 'ngo-current' },
      true,
    ],
    ['a coordinator of the case region', caller('coordinator', 'prefecture-korce'), base, true],
    ['a coordinator of several regions', caller('coordinator', 'ngo-coord', ['tirane', 'korce']), base, true],
    ['a coordinator of another region', caller('coordinator', 'prefecture-tirane', ['tirane']), base, false],
  ])('lets %s read: %s', (_label, who, item, expected) => {
    expect(mayRead(who, item)).toBe(expected);
  });

  it('returns the view without officer or token details', async () => {
    const view = await getCase(storeWith(base), caller('police', 'police-korce'), {
      caseId: CASE_ID,
    });
    expect(view).toMatchObject({
      caseId: CASE_ID,
      reference: 'KOR-2026-0001',
      status: 'OFFERED',
      version: 3,
    });
    expect(JSON.stringify(view)).not.toMatch(/officer|currentOfferTaskId|ngo-declined/);
  });

  it('answers 404 alike for a case the caller may not see and one that does not exist', async () => {
    const seen = storeWith(base);
    const none = storeWith(undefined);
    const other = caller('ngo', 'ngo-declined');
    await expect(getCase(seen, other, { caseId: CASE_ID })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getCase(none, other, { caseId: CASE_ID })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getCase(none, other, { caseId: 'not-a-uuid' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers 404 to the offered NGO once it declined, before the next offer is made', async () => {
    const ngo = caller('ngo', 'ngo-current');
    await expect(getCase(storeWith(base, 'OPEN'), ngo, { caseId: CASE_ID })).resolves.toMatchObject({
      caseId: CASE_ID,
    });
    await expect(getCase(storeWith(base, 'DECLINED'), ngo, { caseId: CASE_ID })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('answers 404 to a coordinator of another region, as for a case that does not exist', async () => {
    await expect(
      getCase(storeWith(base), caller('coordinator', 'prefecture-tirane', ['tirane']), { caseId: CASE_ID }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each(['council', 'admin'] as const)('refuses the %s role with 403: no case details', async (role) => {
    await expect(getCase(storeWith(base), caller(role, 'x'), { caseId: CASE_ID })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });
});
