/**
 * The privacy canary across every output a person of each role can reach (issue 12 §2): a case
 * whose profile and every free-text answer carry a canary is walked through its offers, a plan
 * item and a closure confirmation in the console, the group meets on it, and then every console
 * page and JSON route of every role is read, with the emails, the meeting's invitations and the
 * audit records written on the way. Each canary may
 * appear only where docs/access.md lets that reader see it; everywhere else, not even in part.
 */
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { acceptCase } from '../../functions/accept-case/accept-case';
import { closeOffer } from '../../functions/close-offer/close-offer';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { DeliveryStore } from '../../shared/data/delivery-store';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Role } from '../../shared/domain/codes';
import { createMeeting } from '../../shared/meetings/meetings';
import { withFirstReminder } from '../../shared/tasks/task-context';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { apiRequest, claimsFor } from '../support/api-event';
import { MemoryAudit } from '../support/audit';
import { type ConsoleWorld, type Member, startConsoleWorld } from '../support/console-world';
import { caseTask, createReferralArgs } from '../support/fixtures';
import { dropStoreTables } from '../support/store-table';
import '../support/handler-env';

// Handler modules read their environment at load: import them after it is set.
const { readCasesRoute } =
  require('../../functions/read-cases/handler') as typeof import('../../functions/read-cases/handler');
const { tasksApiRoute } =
  require('../../functions/tasks-api/handler') as typeof import('../../functions/tasks-api/handler');
const { meetingsRoute } =
  require('../../functions/meetings-api/handler') as typeof import('../../functions/meetings-api/handler');
const { statsRoute } =
  require('../../functions/stats-api/handler') as typeof import('../../functions/stats-api/handler');

/** The person's profile, as far as a stored string can carry a canary (the codes are checked at intake). */
const PROFILE = 'CANARY-profile-4be1';
/** The referring officer's user id: the region's coordinators alone see it (the timeline's actor, the export). */
const OFFICER = 'CANARY-officer-77c2';
const REASON = {
  decline: 'CANARY-decline-a61f',
  item: 'CANARY-item-0d3e',
  closure: 'CANARY-closure-9c58',
} as const;
type Canary = 'profile' | 'officer' | keyof typeof REASON;
const CANARIES: Record<Canary, string> = { profile: PROFILE, officer: OFFICER, ...REASON };

const CASE_ID = createReferralArgs().caseItem.caseId;
const REF = 'KOR-2026-0042';
const NOW = new Date('2026-12-01T09:00:00.000Z');
const ITEM_ID = 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6';
const CONFIRM_ID = 'e2f3a4b5-c6d7-4e8f-9a01-b2c3d4e5f6a7';
/** The cooperation group's next meeting, whose agenda reviews what was not possible. */
let meetingId = '';

/** The readers: one member of every role, and both NGOs the case was offered to. */
const READERS = {
  police: ['police', 'police-korca', 'antitrafficking@police-korca.example.org'],
  declined: ['ngo', 'ngo-vatra', 'focal.point@vatra.example.org'],
  /** Set by the walk: whichever NGO the second offer goes to. */
  accepted: ['ngo', '', ''],
  localgov: ['localgov', 'social-services-korca', 'economic.aid@social-services-korca.example.org'],
  council: ['council', 'municipality-korca', 'council@municipality-korca.example.org'],
  coordinator: ['coordinator', 'prefecture-korca', 'coordinator@prefecture-korca.example.org'],
  admin: ['admin', 'prefecture-korca', 'admin@prefecture-korca.example.org'],
} satisfies Record<string, [Role, string, string]>;
type Reader = keyof typeof READERS;

let world: ConsoleWorld;
beforeAll(async () => {
  world = await startConsoleWorld('privacy-canary');
  world.setNow(NOW);
});
afterAll(dropStoreTables);

async function member(reader: Reader): Promise<Member> {
  const [role, orgId, email] = READERS[reader];
  return world.signIn(role, orgId, email);
}

/** The case through its first weeks, every answer typed in the console. */
async function walk(): Promise<void> {
  const base = createReferralArgs();
  const person = {
    ...base.caseItem.person,
    gender: `${PROFILE}-gender`,
    nationality: `${PROFILE}-nationality`,
    language: `${PROFILE}-language`,
  } as unknown as CaseRecord['person'];
  await world.db.store.createReferral({
    ...base,
    caseItem: {
      ...base.caseItem,
      reference: REF,
      region: 'korca',
      referringOrgId: 'police-korca',
      socialWorkerOrgId: 'ngo-vatra',
      officerSub: OFFICER,
      person,
      preferredNgoId: 'ngo-vatra',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    },
    event: { ...base.event, actor: OFFICER, orgId: 'police-korca' },
  });
  const steps = { store: world.deps.store, mailer: world.mailer, now: world.now };
  const { calendar, reminders } = world.deps.tasks;
  const offer = (afterTaskId: string) =>
    prepareOffer(
      { store: world.deps.store, calendar, reminders, now: world.now, offerDeadlineHours: 24 },
      { caseId: CASE_ID, afterTaskId },
    );
  const arm = (taskId: string, token: string) =>
    world.db.store.armTask({
      taskId,
      caseId: CASE_ID,
      sfnTaskToken: token,
      link: { hash: token.padEnd(64, '0'), taskId, expiresAt: '2026-12-20T09:00:00.000Z' },
    });

  // The preferred NGO declines, with a reason; the next one accepts.
  const first = await offer(NO_PREVIOUS_OFFER);
  expect(first.orgId).toBe('ngo-vatra');
  await arm(first.taskId as string, 'a1');
  const declined = await (await member('declined')).post(`/console/tasks/${first.taskId}`, [
    ['decision', 'decline'],
    ['reason', `no bed ${REASON.decline}`],
  ]);
  expect(declined.status).toBe(303);
  await closeOffer(steps, {
    caseId: CASE_ID,
    taskId: first.taskId,
    orgId: 'ngo-vatra',
    reference: REF,
    region: 'korca',
    outcome: 'declined',
  });
  const second = await offer(first.taskId as string);
  // The NGO the offer went on to: the directory chooses it, so its reader is known only now.
  const contact = (await world.db.store.getOrganisation(second.orgId as string))?.contacts[0]?.email;
  READERS.accepted = ['ngo', second.orgId as string, contact as string];
  await arm(second.taskId as string, 'a2');
  expect(
    (await (await member('accepted')).post(`/console/tasks/${second.taskId}`, [['decision', 'accept']]))
      .status,
  ).toBe(303);
  await acceptCase(steps, { caseId: CASE_ID, taskId: second.taskId });

  // A plan item the social services cannot arrange, and a closure the coordinator sends back.
  const open = async (task: TaskRecord) => {
    const t = withFirstReminder(world.deps.tasks, task, NOW);
    expect(
      await world.db.store.openTask({ task: t, actor: { role: 'system' }, now: NOW.toISOString() }),
    ).toBe('opened');
  };
  await open(
    caseTask({
      taskId: ITEM_ID,
      caseId: CASE_ID,
      kind: 'PLAN_ITEM',
      service: 'economic-aid',
      orgId: 'social-services-korca',
      createdAt: NOW.toISOString(),
      dueAt: '2026-12-20T16:00:00.000Z',
    }),
  );
  expect(
    (
      await (
        await member('localgov')
      ).post(`/console/tasks/${ITEM_ID}`, [
        ['result', 'not-possible'],
        ['reason', `waiting list ${REASON.item}`],
      ])
    ).status,
  ).toBe(303);
  await open(
    caseTask({
      taskId: CONFIRM_ID,
      caseId: CASE_ID,
      kind: 'CLOSURE_CONFIRMATION',
      orgId: 'prefecture-korca',
      createdAt: NOW.toISOString(),
      dueAt: '2026-12-08T16:00:00.000Z',
    }),
  );
  await arm(CONFIRM_ID, 'a3');
  expect(
    (
      await (
        await member('coordinator')
      ).post(`/console/tasks/${CONFIRM_ID}`, [
        ['decision', 'reject'],
        ['reason', `not yet stable ${REASON.closure}`],
      ])
    ).status,
  ).toBe(303);

  // The group meets: the agenda reviews the plan item found not possible, with its reason.
  const [, orgId, email] = READERS.coordinator;
  const [meeting] = await createMeeting(
    world.deps.meetings,
    { sub: 'coordinator-1', email, orgId, role: 'coordinator', orgKind: 'prefecture', regions: ['korca'] },
    {
      region: 'korca',
      title: 'Këshilli vendor kundër trafikimit',
      agenda: ['Rastet e tremujorit'],
      place: 'Prefektura, salla 2',
      start: '2026-12-10T10:00',
      end: '2026-12-10T11:00',
      invite: { orgIds: ['municipality-korca', 'social-services-korca', READERS.accepted[1]] },
    },
  );
  meetingId = meeting?.meetingId ?? '';
  expect(meetingId).not.toBe('');
}

/** Pages and routes that answered 5xx: a refusal or an answer, never a failure. */
const failed: string[] = [];

/** Every console page and JSON route a reader may try, with what each answered (errors included). */
async function outputsOf(reader: Reader): Promise<Map<string, string>> {
  const [role, orgId] = READERS[reader];
  const m = await member(reader);
  const out = new Map<string, string>();
  const tasks = [...(await world.db.items())].filter(
    (i) => String(i.pk).startsWith('TASK#') && i.sk === 'TASK',
  );
  const taskIds = tasks.map((t) => String(t.taskId));
  const pages = [
    '/console/dashboard',
    '/console/cases',
    `/console/cases/${CASE_ID}`,
    `/console/cases/${CASE_ID}/audit`,
    '/console/tasks',
    '/console/tasks?status=closed',
    ...taskIds.map((id) => `/console/tasks/${id}`),
    '/console/stats',
    '/console/meetings',
    `/console/meetings/${meetingId}`,
    `/console/meetings/${meetingId}/invite.ics`,
    '/console/directory',
  ];
  // Named without ids: one task page stands for every task's.
  const named = (page: string) =>
    page
      .replace(CASE_ID, '{caseId}')
      .replace(meetingId, '{meetingId}')
      .replace(/tasks\/[0-9a-f-]{36}/, 'tasks/{taskId}');
  for (const page of pages) {
    const res = await m.get(page);
    if (res.status >= 500) failed.push(`${reader} console ${named(page)}: ${res.status}`);
    out.set(`console ${named(page)}`, `${out.get(`console ${named(page)}`) ?? ''}${res.body}`);
  }

  const d = {
    ...world.deps.tasks,
    store: world.deps.store,
    directory: world.deps.store,
    auditTrail: world.audit,
    now: world.now,
    timeZone: 'Europe/Tirane',
    deliveries: new DeliveryStore(world.db.table.client, world.db.table.tableName),
  };
  const routes: [unknown, string, Record<string, string>][] = [
    [readCasesRoute(d, new MemoryAudit()), 'GET /cases', {}],
    ...['', '/timeline', '/audit', '/export'].map(
      (r) =>
        [readCasesRoute(d, new MemoryAudit()), `GET /cases/{caseId}${r}`, { caseId: CASE_ID }] as [
          unknown,
          string,
          Record<string, string>,
        ],
    ),
    [tasksApiRoute(d, new MemoryAudit()), 'GET /tasks', {}],
    ...taskIds.map(
      (taskId) =>
        [tasksApiRoute(d, new MemoryAudit()), 'GET /tasks/{taskId}', { taskId }] as [
          unknown,
          string,
          Record<string, string>,
        ],
    ),
    [statsRoute(d, new MemoryAudit()), 'GET /stats', {}],
    [meetingsRoute(world.deps.meetings, new MemoryAudit()), 'GET /meetings', {}],
    [meetingsRoute(world.deps.meetings, new MemoryAudit()), 'GET /meetings/{meetingId}', { meetingId }],
  ];
  for (const [route, routeKey, pathParameters] of routes) {
    const res = (await (route as (e: unknown, c: Context) => Promise<APIGatewayProxyStructuredResultV2>)(
      apiRequest('GET', routeKey, claimsFor(role, orgId), { pathParameters }),
      { awsRequestId: 'canary' } as Context,
    )) as APIGatewayProxyStructuredResultV2;
    if ((res.statusCode ?? 200) >= 500) failed.push(`${reader} api ${routeKey}: ${res.statusCode}`);
    out.set(`api ${routeKey}`, `${out.get(`api ${routeKey}`) ?? ''}${res.body ?? ''}`);
  }
  return out;
}

/** Which canaries a set of outputs shows, each with the outputs it is in. */
function shown(outputs: Map<string, string>): Partial<Record<Canary, string[]>> {
  const found: Partial<Record<Canary, string[]>> = {};
  for (const [canary, text] of Object.entries(CANARIES) as [Canary, string][]) {
    // Any part of it: the tag after "CANARY-" names it alone.
    const tag = text.slice('CANARY-'.length);
    const where = [...outputs].filter(([, body]) => body.includes(tag)).map(([at]) => at);
    if (where.length) found[canary] = where;
  }
  return found;
}

describe('the privacy canary', () => {
  beforeAll(walk, 60_000);
  it('took every answer: each canary is on its record in the table', async () => {
    const table = JSON.stringify(await world.db.items());
    for (const text of Object.values(CANARIES)) expect(table).toContain(text);
  });

  // What each reader sees (docs/access.md): the profile in the case views of those who may read
  // the case; the offer history's reason in the coordinator's; the officer's user id as the
  // actor of the coordinator's timeline; a plan item's "not possible" reason on the agenda of
  // the group's meeting, read by its invitees (through the API; the console shows the review to
  // council members and coordinators), never in its invitation; everything in the
  // subject-access export. Nobody sees anything in a task page, a list, the statistics or a
  // refusal.
  const CASE_VIEWS = ['console /console/cases/{caseId}', 'api GET /cases', 'api GET /cases/{caseId}'];
  const AGENDA = 'api GET /meetings/{meetingId}';
  const AGENDA_PAGE = 'console /console/meetings/{meetingId}';
  it.each([
    ['police', { profile: CASE_VIEWS }],
    ['declined', {}],
    ['accepted', { profile: CASE_VIEWS, item: [AGENDA] }],
    ['localgov', { item: [AGENDA] }],
    ['council', { item: [AGENDA_PAGE, AGENDA] }],
    ['admin', { item: [AGENDA] }],
    [
      'coordinator',
      {
        profile: [...CASE_VIEWS, 'api GET /cases/{caseId}/export'],
        officer: ['api GET /cases/{caseId}/timeline', 'api GET /cases/{caseId}/export'],
        decline: [
          'console /console/cases/{caseId}',
          'api GET /cases/{caseId}',
          'api GET /cases/{caseId}/export',
        ],
        item: [AGENDA_PAGE, 'api GET /cases/{caseId}/export', AGENDA],
        closure: ['api GET /cases/{caseId}/export'],
      },
    ],
  ] as [Reader, Partial<Record<Canary, string[]>>][])(
    '%s sees only what is theirs to see',
    async (reader, expected) => {
      const outputs = await outputsOf(reader);
      // Every page and route was read, errors and refusals included.
      expect(outputs.size).toBe(22);
      expect(shown(outputs)).toEqual(expected);
      expect(failed).toEqual([]);
    },
  );

  it('put none of it in an email, an invitation or an audit record', () => {
    expect(world.mailer.sent.some((m) => m.calendar?.method === 'REQUEST')).toBe(true);
    const sent = JSON.stringify(world.mailer.sent);
    const audit = JSON.stringify(world.audit.entries);
    expect(world.mailer.sent.length).toBeGreaterThan(0);
    expect(world.audit.entries.length).toBeGreaterThan(0);
    for (const text of Object.values(CANARIES)) {
      const tag = text.slice('CANARY-'.length);
      expect(sent).not.toContain(tag);
      expect(audit).not.toContain(tag);
    }
  });
});
