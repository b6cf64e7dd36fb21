import {
  childProtectionTaskId,
  correctProfile,
  type ProfileCorrectionDeps,
  profileCorrectionRequestSchema,
} from '../../functions/case-commands/profile-correction';
import type { MemberCaller } from '../../shared/auth/caller';
import type { CaseEvent, CaseRecord, OrgRecord, TaskRecord } from '../../shared/data/records';
import type { CorrectProfileArgs, OpenTaskArgs } from '../../shared/data/store';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { PERSON_FIELD_NAMES, personSchema } from '../../shared/domain/referral';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { OutgoingEmail } from '../../shared/email/mailer';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors';
import { createReferralArgs, directory } from '../support/fixtures';

const NOW = new Date('2026-03-11T10:00:00.000Z');
const BASE: CaseRecord = {
  ...createReferralArgs().caseItem,
  status: 'ACCEPTED',
  acceptedOrgId: 'ngo-different-and-equal',
  openTasks: {},
};
const KINDS = { police: 'police', ngo: 'ngo', coordinator: 'prefecture' } as const;
const caller = (role: keyof typeof KINDS, orgId: string): MemberCaller => ({
  sub: 's',
  orgId,
  role,
  orgKind: KINDS[role],
  regions: ['korce'],
});
const POLICE = caller('police', 'police-korce');

/** A small hand fake of the store the use case and the open-task step use. */
function fake(item: CaseRecord, events: CaseEvent[] = []) {
  let current = item;
  const tasks = new Map<string, TaskRecord>();
  const corrections: CorrectProfileArgs[] = [];
  const opened: OpenTaskArgs[] = [];
  const sent: OutgoingEmail[] = [];
  const orgs: OrgRecord[] = directory().organisations.map((o) => ({ ...o, openOffers: 0 }));
  const store: ProfileCorrectionDeps['store'] = {
    getCase: async () => current,
    getTask: async (id) => tasks.get(id),
    listEvents: async () => events,
    listOrganisations: async () => orgs,
    getOrganisation: async (id) => orgs.find((o) => o.orgId === id),
    correctProfile: async (args) => {
      if (args.expectedVersion !== current.version) return false;
      corrections.push(args);
      current = { ...current, person: args.person, version: current.version + 1 };
      events.push({
        caseId: item.caseId,
        at: args.now,
        type: 'PROFILE_CORRECTED',
        actor: 'police',
        fields: args.fields,
      });
      return true;
    },
    openTask: async (args) => {
      if (tasks.has(args.task.taskId)) return 'exists';
      opened.push(args);
      tasks.set(args.task.taskId, args.task);
      return 'opened';
    },
    armTask: async () => ({ kind: 'armed' }),
    rearmTask: async () => true,
    markEmailed: async (id, at) => {
      const t = tasks.get(id);
      if (t) tasks.set(id, { ...t, emailedAt: at });
    },
    keepAnswerToken: async () => undefined,
  };
  const deps: ProfileCorrectionDeps = {
    store,
    now: () => NOW,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: { timeZone: 'Europe/Tirane', holidays: new Set() },
    mailer: {
      send: async (m) => {
        sent.push(m);
        return { status: 'sent', messageId: 'm' };
      },
    },
    actionBaseUrl: 'https://api.bashke.test',
  };
  return { deps, corrections, opened, sent, tasks, current: () => current };
}

const run = (f: ReturnType<typeof fake>, body: unknown, who: MemberCaller = POLICE) =>
  correctProfile(f.deps, who, { caseId: BASE.caseId }, () => body);

describe('PERSON_FIELD_NAMES', () => {
  it('names every field of the profile schema, so an event can name any that changed', () => {
    expect([...PERSON_FIELD_NAMES]).toEqual(Object.keys(personSchema.shape));
  });
});

describe('profileCorrectionRequestSchema', () => {
  it('takes a version and any non-empty part of the profile, by the intake rules', () => {
    expect(
      profileCorrectionRequestSchema.safeParse({ version: 3, person: { riskLevel: 'low' } }).success,
    ).toBe(true);
    for (const bad of [
      { version: 3, person: {} },
      { version: 3, person: { dateOfBirth: '2010-01-01' } },
      { version: 0, person: { riskLevel: 'low' } },
      { version: 3, person: { riskLevel: 'low' }, note: 'x' },
      { version: 3, person: { language: 'xx' } },
    ]) {
      expect(profileCorrectionRequestSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('correctProfile', () => {
  it('writes the whole corrected profile at the version read and names only the fields that changed', async () => {
    const f = fake(BASE);
    const view = await run(f, {
      version: 1,
      person: { gender: 'male', riskLevel: 'high', needs: ['legal'] },
    });
    expect(view).toMatchObject({ version: 2, person: { gender: 'male', needs: ['legal'] } });
    expect(f.corrections).toEqual([
      {
        caseId: BASE.caseId,
        expectedVersion: 1,
        person: { ...BASE.person, gender: 'male', needs: ['legal'] },
        fields: ['gender', 'needs'],
        actor: { role: 'police', orgId: 'police-korce' },
        now: NOW.toISOString(),
      },
    ]);
  });

  it('writes nothing when nothing changes', async () => {
    const f = fake(BASE);
    await run(f, { version: 1, person: { needs: [...BASE.person.needs] } });
    expect(f.corrections).toEqual([]);
  });

  it('refuses a stale version with version_conflict before any write', async () => {
    const f = fake({ ...BASE, version: 4 });
    await expect(run(f, { version: 3, person: { ageGroup: 'child' } })).rejects.toEqual(
      new ConflictError('the case changed meanwhile', 'version_conflict'),
    );
    expect(f.corrections).toEqual([]);
    expect(f.opened).toEqual([]);
  });

  it('refuses a bad body with its field paths', async () => {
    const f = fake(BASE);
    await expect(run(f, { version: 1, person: { ageGroup: 'teen' } })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(f.corrections).toEqual([]);
  });

  it('lets only the referring police unit and the NGO of the case correct', async () => {
    await expect(
      run(fake(BASE), { version: 1, person: { language: 'en' } }, caller('ngo', 'ngo-different-and-equal')),
    ).resolves.toMatchObject({ version: 2 });
    await expect(
      run(fake(BASE), { version: 1, person: { language: 'en' } }, caller('coordinator', 'prefecture-korce')),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      run(fake(BASE), { version: 1, person: { language: 'en' } }, caller('police', 'police-tirane')),
    ).rejects.toBeInstanceOf(NotFoundError);
    const offered = fake({ ...BASE, status: 'OFFERED', acceptedOrgId: 'ngo-tjeter-vizion' });
    await expect(
      run(offered, { version: 1, person: { language: 'en' } }, caller('ngo', 'ngo-different-and-equal')),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('adult → child: opens the case’s one CHILD_PROTECTION task under the intake’s id and emails it', async () => {
    const f = fake(BASE);
    await run(f, { version: 1, person: { ageGroup: 'child' } });
    expect(f.opened.map((o) => [o.task.taskId, o.task.kind, o.task.orgId])).toEqual([
      [childProtectionTaskId(BASE.caseId), 'CHILD_PROTECTION', 'municipality-korce'],
    ]);
    expect(f.opened[0]?.task.reminderAt).toEqual(expect.any(String));
    expect(f.sent.map((m) => m.to)).toEqual([['council@example.org']]);
    // Again, with the new version: the task is open and emailed, nothing more.
    await run(f, { version: 2, person: { ageGroup: 'unknown' } });
    expect(f.opened).toHaveLength(1);
    expect(f.sent).toHaveLength(1);
  });

  it('child → child: a correction of another field starts no child path', async () => {
    const f = fake({ ...BASE, person: { ...BASE.person, ageGroup: 'child' } });
    await run(f, { version: 1, person: { riskLevel: 'low' } });
    expect(f.opened).toEqual([]);
    expect(f.sent).toEqual([]);
  });

  it('child → adult opens nothing', async () => {
    const f = fake({ ...BASE, person: { ...BASE.person, ageGroup: 'unknown' } });
    await run(f, { version: 1, person: { ageGroup: 'adult' } });
    expect(f.opened).toEqual([]);
  });

  it('starts no child path on a closed case', async () => {
    const f = fake({ ...BASE, status: 'CLOSED' });
    await expect(run(f, { version: 1, person: { ageGroup: 'child' } })).rejects.toEqual(
      new ConflictError('the case is closed', 'case_closed'),
    );
    expect(f.opened).toEqual([]);
  });
});
