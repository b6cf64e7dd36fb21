import type { OrgRecord } from '../../shared/data/records';
import { type Contact, organisationSchema } from '../../shared/domain/directory';
import {
  coordinatorContacts,
  effectiveContacts,
  focalPointContacts,
  isAway,
  standIn,
} from '../../shared/domain/recipients';
import { fieldIssues } from '../../shared/http/zod-issues';
import { assigneeContacts, assigneeOrg, taskRecipients } from '../../shared/tasks/assignees';
import { audienceContacts } from '../../shared/tasks/reminder-audience';

const NOW = new Date('2026-08-10T09:00:00.000Z');
const AWAY = { from: '2026-08-03T00:00:00+02:00', to: '2026-08-24T00:00:00+02:00' };

const person = (email: string, roles: Contact['roles'], extra: Partial<Contact> = {}): Contact => ({
  name: email.split('@')[0] ?? email,
  email,
  language: 'sq',
  roles,
  ...extra,
});

const ngo = (contacts: Contact[], extra: Partial<OrgRecord> = {}): OrgRecord => ({
  orgId: 'ngo-a',
  name: 'NGO A',
  kind: 'ngo',
  regions: ['korca'],
  services: ['shelter'],
  capacity: 3,
  childProtection: false,
  contacts,
  openOffers: 0,
  ...extra,
});

const worker = person('worker@a.example.org', ['case-worker'], {
  away: { ...AWAY, deputyEmail: 'deputy@a.example.org' },
});
const deputy = person('deputy@a.example.org', ['focal-point']);

describe('isAway', () => {
  it('is true from `from` (inclusive) to `to` (exclusive)', () => {
    expect(isAway(worker, new Date('2026-08-02T22:00:00.000Z'))).toBe(true);
    expect(isAway(worker, new Date('2026-08-02T21:59:59.999Z'))).toBe(false);
    expect(isAway(worker, new Date('2026-08-23T21:59:59.999Z'))).toBe(true);
    expect(isAway(worker, new Date('2026-08-23T22:00:00.000Z'))).toBe(false);
    expect(isAway(deputy, NOW)).toBe(false);
  });
});

describe('effectiveContacts', () => {
  it('puts the deputy in place of an away contact, each person once', () => {
    expect(effectiveContacts([worker, deputy], NOW).map((c) => c.email)).toEqual(['deputy@a.example.org']);
  });

  it('keeps the contact itself outside the absence', () => {
    expect(effectiveContacts([worker], new Date('2026-09-01T00:00:00Z'), [worker, deputy])).toEqual([worker]);
  });

  it('finds the deputy in the pool, not only among the contacts given', () => {
    expect(effectiveContacts([worker], NOW, [worker, deputy])).toEqual([deputy]);
  });

  it('leaves out deactivated and unreachable contacts, and a deputy who is either', () => {
    const gone = person('gone@a.example.org', ['case-worker'], { active: false });
    const bounced = person('bounced@a.example.org', ['case-worker'], { reachable: false });
    expect(effectiveContacts([gone, bounced], NOW)).toEqual([]);
    expect(effectiveContacts([worker], NOW, [worker, { ...deputy, active: false }])).toEqual([]);
    expect(effectiveContacts([worker], NOW, [worker, { ...deputy, reachable: false }])).toEqual([]);
  });

  it("follows a deputy who is away too to the deputy's deputy, and stops on a loop", () => {
    const second = person('second@a.example.org', ['focal-point'], {
      away: { ...AWAY, deputyEmail: 'third@a.example.org' },
    });
    const first = person('first@a.example.org', ['case-worker'], {
      away: { ...AWAY, deputyEmail: 'second@a.example.org' },
    });
    const third = person('third@a.example.org', []);
    expect(standIn(first, NOW, [first, second, third])).toEqual(third);
    const loop = { ...third, away: { ...AWAY, deputyEmail: 'first@a.example.org' } };
    expect(standIn(first, NOW, [first, second, loop])).toBeUndefined();
  });
});

describe('deputy routing of task mail and reminders', () => {
  it('sends a case worker task to the away worker’s deputy', () => {
    const org = ngo([worker, deputy]);
    expect(assigneeContacts('NEEDS_ASSESSMENT', org, NOW).map((c) => c.email)).toEqual([
      'deputy@a.example.org',
    ]);
    expect(taskRecipients('NEEDS_ASSESSMENT', org, undefined, NOW)).toEqual([
      { language: 'sq', to: ['deputy@a.example.org'] },
    ]);
    expect(
      taskRecipients('NEEDS_ASSESSMENT', org, undefined, new Date('2026-09-01T00:00:00Z')).flatMap(
        (g) => g.to,
      ),
    ).toEqual(['worker@a.example.org']);
  });

  it('falls back to the focal points when the away contact has no usable deputy', () => {
    const alone = person('worker@a.example.org', ['case-worker'], {
      away: { ...AWAY, deputyEmail: 'left@a.example.org' },
    });
    const org = ngo([alone, person('focal@a.example.org', ['focal-point'])]);
    expect(taskRecipients('NEEDS_ASSESSMENT', org, undefined, NOW).flatMap((g) => g.to)).toEqual([
      'focal@a.example.org',
    ]);
  });

  it('sends reminders to the deputy too, and to coordinators’ deputies', () => {
    const org = ngo([worker, deputy]);
    const coordinator = person('coord@pref.example.org', ['coordinator'], {
      away: { ...AWAY, deputyEmail: 'vice@pref.example.org' },
    });
    const pref = ngo([coordinator, person('vice@pref.example.org', [])], {
      orgId: 'pref',
      kind: 'prefecture',
    });
    expect(
      audienceContacts('assignee', 'NEEDS_ASSESSMENT', org, [org, pref], { region: 'korca' }, NOW).map(
        (c) => c.email,
      ),
    ).toEqual(['deputy@a.example.org']);
    expect(coordinatorContacts([org, pref], ['korca'], NOW).map((c) => c.email)).toEqual([
      'vice@pref.example.org',
    ]);
    expect(focalPointContacts(org, NOW)).toEqual([deputy]);
  });

  it('never assigns to a deactivated organisation, nor mails its coordinators', () => {
    const pref = ngo([person('coord@pref.example.org', ['coordinator'])], {
      orgId: 'pref',
      kind: 'prefecture',
      active: false,
    });
    const item = { region: 'korca', acceptedOrgId: 'ngo-a' } as Parameters<typeof assigneeOrg>[1];
    expect(assigneeOrg('NEEDS_ASSESSMENT', item, [ngo([deputy], { active: false })])).toBeUndefined();
    expect(assigneeOrg('CLOSURE_CONFIRMATION', item, [pref])).toBeUndefined();
    expect(coordinatorContacts([pref], ['korca'], NOW)).toEqual([]);
  });
});

describe('organisationSchema', () => {
  const issues = (input: unknown) => {
    const r = organisationSchema.safeParse(input);
    return r.success ? [] : fieldIssues(r.error);
  };
  const base = { ...ngo([worker, deputy]), openOffers: undefined };
  delete (base as { openOffers?: number }).openOffers;

  it('accepts an away contact whose deputy is another active contact of the organisation', () => {
    expect(issues(base)).toEqual([]);
  });

  it('refuses a deputy outside the organisation, deactivated, or the contact itself', () => {
    const at = '/contacts/0/away/deputyEmail';
    const elsewhere = {
      ...base,
      contacts: [{ ...worker, away: { ...worker.away, deputyEmail: 'x@b.example.org' } }],
    };
    expect(issues(elsewhere)).toEqual([{ path: at, code: 'custom' }]);
    expect(issues({ ...base, contacts: [worker, { ...deputy, active: false }] })).toEqual([
      { path: at, code: 'custom' },
    ]);
    const self = { ...base, contacts: [{ ...worker, away: { ...AWAY, deputyEmail: worker.email } }, deputy] };
    expect(issues(self)).toEqual([{ path: at, code: 'custom' }]);
  });

  it('refuses an absence that ends before it starts, or without offsets', () => {
    const back = { ...base, contacts: [{ ...worker, away: { ...worker.away, to: AWAY.from } }, deputy] };
    expect(issues(back)).toEqual([{ path: '/contacts/0/away/to', code: 'custom' }]);
    const bad = { ...base, contacts: [{ ...worker, away: { ...worker.away, from: '10 August' } }, deputy] };
    expect(issues(bad)).toEqual([{ path: '/contacts/0/away/from', code: 'invalid_format' }]);
  });

  it('requires the department on departments and refuses it elsewhere', () => {
    expect(issues({ ...base, kind: 'department' })).toEqual([{ path: '/department', code: 'custom' }]);
    expect(issues({ ...base, kind: 'department', department: 'social' })).toEqual([]);
    expect(issues({ ...base, department: 'social' })).toEqual([{ path: '/department', code: 'custom' }]);
    expect(issues({ ...base, kind: 'department', department: 'health' })).toEqual([
      { path: '/department', code: 'invalid_value' },
    ]);
  });

  it('accepts cluster members and the active flag, and refuses duplicate addresses', () => {
    expect(
      issues({ ...base, active: false, contacts: [person('c@a.example.org', ['cluster-member'])] }),
    ).toEqual([]);
    expect(issues({ ...base, contacts: [deputy, { ...deputy, email: 'DEPUTY@a.example.org' }] })).toEqual([
      { path: '/contacts/1/email', code: 'custom' },
    ]);
  });

  it('still parses an organisation written before the new fields', () => {
    const { contacts, ...old } = base;
    expect(
      issues({
        ...old,
        contacts: [{ name: 'A', email: 'a@a.example.org', language: 'en', roles: ['focal-point'] }],
      }),
    ).toEqual([]);
  });
});
