import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type * as z from 'zod';
import { runMeetingStep } from '../../functions/dispatch-due/meetings';
import type { MemberCaller } from '../../shared/auth/caller';
import { MeetingStore } from '../../shared/data/meeting-store';
import type { CaseRecord, MeetingDueItem, TaskRecord } from '../../shared/data/records';
import type { ROLES } from '../../shared/domain/codes';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import type { Organisation } from '../../shared/domain/directory';
import type { CaseStatus } from '../../shared/domain/referral';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { TaskKind } from '../../shared/domain/tasks';
import {
  createMeeting,
  type MeetingDeps,
  type MeetingView,
  meetingDetailSchema,
  meetingItemsSchema,
  meetingListSchema,
  meetingViewSchema,
  recordMinutes,
} from '../../shared/meetings/meetings';
import { taskIdFor } from '../../shared/tasks/task-id';
import { accessTable } from '../support/access-doc';
import { MemoryAudit } from '../support/audit';
import { createTestTable, type TestTable } from '../support/dynamodb-local';
import '../support/handler-env';

// Handler modules read their environment at load: import them after it is set.
const { readCasesRoute } =
  require('../../functions/read-cases/handler') as typeof import('../../functions/read-cases/handler');
const { tasksApiRoute } =
  require('../../functions/tasks-api/handler') as typeof import('../../functions/tasks-api/handler');
const { caseCommandsRoute } =
  require('../../functions/case-commands/handler') as typeof import('../../functions/case-commands/handler');
const { meetingsRoute } =
  require('../../functions/meetings-api/handler') as typeof import('../../functions/meetings-api/handler');

type Role = (typeof ROLES)[number];
type Data = 'own' | 'foreign';

/** A matrix as docs/access.md writes it: the test checks the document, so the two cannot drift. */
function documentedMatrix(marker = 'access-matrix'): {
  routes: string[];
  rows: { role: Role; data: Data; cells: string[] }[];
} {
  const { header, body } = accessTable(marker);
  return {
    routes: header.slice(2),
    rows: body.map(([role, data, ...cells]) => ({ role: role as Role, data: data as Data, cells })),
  };
}

const MATRIX = documentedMatrix();
/** The meetings' matrix (docs/access.md, "Meetings"): own is a meeting of the caller's region that invites its organisation. */
const MEETINGS_MATRIX = documentedMatrix('meetings-access-matrix');

const NOW = new Date('2026-12-01T10:00:00.000Z');
const contact = (email: string, roles: Organisation['contacts'][number]['roles']) => ({
  name: 'Kontakt',
  email,
  language: 'sq' as const,
  roles,
});
const org = (
  orgId: string,
  kind: Organisation['kind'],
  region: string,
  extra: Partial<Organisation> = {},
) => ({
  orgId,
  name: orgId,
  kind,
  regions: [region],
  services: [],
  capacity: 5,
  childProtection: false,
  contacts: [contact(`focal@${orgId}.example.org`, ['focal-point'])],
  ...extra,
});

/** The organisations the meetings invite: each has a council member besides its focal point. */
const member = (orgId: string) => ({
  contacts: [
    contact(`focal@${orgId}.example.org`, ['focal-point']),
    contact(`council@${orgId}.example.org`, ['council-member']),
  ],
});

const ORGS: Organisation[] = [
  org('police-own', 'police', 'korca', member('police-own')),
  org('police-foreign', 'police', 'korca'),
  org('ngo-own', 'ngo', 'korca', { services: ['shelter', 'legal'], ...member('ngo-own') }),
  org('ngo-foreign', 'ngo', 'korca', { services: ['shelter'] }),
  org('dept-own', 'department', 'korca', { services: ['family'], ...member('dept-own') }),
  org('dept-foreign', 'department', 'korca', { services: ['family'] }),
  org('prefecture-own', 'prefecture', 'korca', {
    contacts: [contact('coordinator@prefecture-own.example.org', ['coordinator'])],
  }),
  org('prefecture-foreign', 'prefecture', 'vlora', {
    contacts: [contact('coordinator@prefecture-foreign.example.org', ['coordinator'])],
  }),
  org('municipality-own', 'municipality', 'korca', member('municipality-own')),
  org('municipality-foreign', 'municipality', 'korca'),
];

/** The caller's organisation per role, for own and foreign data. */
const CALLER_ORG: Record<Role, Record<Data, string>> = {
  police: { own: 'police-own', foreign: 'police-foreign' },
  ngo: { own: 'ngo-own', foreign: 'ngo-foreign' },
  localgov: { own: 'dept-own', foreign: 'dept-foreign' },
  council: { own: 'municipality-own', foreign: 'municipality-foreign' },
  coordinator: { own: 'prefecture-own', foreign: 'prefecture-foreign' },
  admin: { own: 'prefecture-own', foreign: 'prefecture-foreign' },
};

let table: TestTable;
let store: MeetingStore;
let counter = 0;
const context = {
  awsRequestId: 'req-1',
  functionName: 'f',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const uuid = () => {
  counter++;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
};

function deps() {
  return {
    store,
    directory: store,
    now: () => NOW,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: { timeZone: 'Europe/Tirane', holidays: new Set<string>() },
    callback: { succeed: async () => 'ok' as const, fail: async () => 'ok' as const },
    workflow: { start: async () => undefined },
    mailer: { send: async () => ({ status: 'sent' as const, messageId: 'm' }) },
    actionBaseUrl: 'https://api.example.org',
  };
}

/** The meetings' adapters on the table: invitations go to a mailer that keeps nothing. */
function meetingDeps(now = NOW) {
  const clock = () => now;
  return {
    store,
    directory: store,
    mailer: { send: async () => ({ status: 'sent' as const, messageId: 'm' }) },
    now: clock,
    timeZone: 'Europe/Tirane',
    meetingReminders: DEFAULT_REMINDERS.meetings,
    publicBaseUrl: 'https://api.example.org',
    uidDomain: 'example.org',
    claimSeconds: 300,
    complete: {
      now: clock,
      deadlines: DEFAULT_DEADLINES,
      calendar: { timeZone: 'Europe/Tirane', holidays: new Set<string>() },
      reminders: DEFAULT_REMINDERS,
      store,
      callback: { succeed: async () => 'closed' as const },
    },
  } satisfies MeetingDeps & Record<string, unknown>;
}

/** The coordinator of the meetings' region, as the fixtures set them. */
const MEETING_COORDINATOR: MemberCaller = {
  sub: 'coordinator-prefecture-own',
  email: 'coordinator@prefecture-own.example.org',
  orgId: 'prefecture-own',
  role: 'coordinator',
  orgKind: 'prefecture',
  regions: ['korca'],
};

/** Every "own" organisation of the matrix but the coordinator's: the invited ones. */
const INVITED = ['police-own', 'ngo-own', 'dept-own', 'municipality-own'];

const meetingBody = (changes: Record<string, unknown> = {}) => ({
  region: 'korca',
  title: 'Këshilli vendor kundër trafikimit',
  agenda: ['Rastet e tremujorit'],
  place: 'Prefektura, salla 2',
  start: '2026-12-15T10:00',
  end: '2026-12-15T12:00',
  invite: { orgIds: INVITED },
  ...changes,
});

/** A meeting of korca set through the use case, inviting the matrix's own organisations. */
async function seedMeeting(now = NOW, changes: Record<string, unknown> = {}): Promise<MeetingView> {
  const [meeting] = await createMeeting(meetingDeps(now), MEETING_COORDINATOR, meetingBody(changes));
  if (!meeting) throw new Error('no meeting');
  return meeting;
}

/** A meeting that ended yesterday, its minutes task opened by the dispatcher's step at its end. */
async function endedMeeting(): Promise<MeetingView> {
  const meeting = await seedMeeting(new Date('2026-11-29T09:00:00.000Z'), {
    start: '2026-11-30T10:00',
    end: '2026-11-30T11:00',
  });
  const stored = await store.getMeeting(meeting.meetingId);
  if (stored?.step === undefined || stored.stepAt === undefined) throw new Error('no step');
  const item: MeetingDueItem = {
    type: 'MEETING',
    dueAt: stored.stepAt,
    ref: meeting.meetingId,
    meetingId: meeting.meetingId,
    step: stored.step,
  };
  const d = meetingDeps();
  const ran = await runMeetingStep(
    { ...d.complete, ...d, actionBaseUrl: d.publicBaseUrl },
    item,
    () => store.listOrganisations(),
    NOW,
  );
  expect(ran).toBe('ended');
  return meeting;
}

/** An action item of a meeting for `orgId`, given by the minutes the coordinator records. */
async function meetingTask(orgId: string): Promise<TaskRecord> {
  const meeting = await endedMeeting();
  const d = meetingDeps();
  const recorded = await recordMinutes(d, MEETING_COORDINATOR, meeting, {
    summary: 'The group reviewed the quarter.',
    decisions: [
      { text: 'Shelters', actions: [{ title: 'Send the list of shelters', orgId, dueDate: '2026-12-20' }] },
    ],
  });
  const task = await store.getTask(taskIdFor(recorded.minutesTaskId as string, 'action', 0, 0));
  if (!task) throw new Error('no action item');
  return task;
}

async function seedCase(status: CaseStatus, extra: Partial<CaseRecord> = {}): Promise<CaseRecord> {
  const caseId = uuid();
  const at = '2026-11-20T09:00:00.000Z';
  const item: CaseRecord = {
    caseId,
    reference: `KOR-2026-${String(counter).padStart(4, '0')}`,
    region: 'korca',
    status,
    version: 1,
    interviewDate: '2026-11-19',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-own',
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'AL',
      language: 'sq',
      needs: ['shelter'],
      riskLevel: 'high',
    },
    consentGiven: true,
    consent: { given: true },
    referringOrgId: 'police-own',
    officerSub: 'officer-1',
    officerEmail: 'officer@police-own.example.org',
    offeredOrgIds: ['ngo-own'],
    ...(status === 'UNASSIGNED' || status === 'REFERRED' ? {} : { acceptedOrgId: 'ngo-own', acceptedAt: at }),
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
  const result = await store.createReferral({
    caseItem: item,
    event: { caseId, at, type: 'REFERRED', actor: 'police', orgId: 'police-own', status: 'REFERRED' },
    idempotency: {
      scope: 'police-own',
      key: caseId,
      requestHash: 'h',
      response: { caseId, reference: item.reference, status: 'REFERRED' },
      createdAt: at,
    },
  });
  expect(result).toBe('created');
  return item;
}

async function seedTask(item: CaseRecord, kind: TaskKind, orgId: string): Promise<TaskRecord> {
  const task: TaskRecord = {
    taskId: uuid(),
    kind,
    subject: 'case',
    caseId: item.caseId,
    orgId,
    status: 'OPEN',
    createdAt: '2026-11-21T09:00:00.000Z',
    dueAt: '2026-12-10T09:00:00.000Z',
    sequence: 1,
    sfnTaskToken: `token-${kind}`,
    ...(kind === 'PLAN_ITEM' ? { service: 'economic-aid' as const } : {}),
    ...(kind === 'OFFER' ? { expiresAt: '2026-12-10T09:00:00.000Z' } : {}),
  };
  expect(await store.openTask({ task, actor: { role: 'system' }, now: '2026-11-21T09:00:00.000Z' })).toBe(
    'opened',
  );
  return task;
}

/**
 * A task of the role's own organisation and a completion body: for police and council members
 * (who have no case tasks) an action item of a meeting; for admins the NGO's.
 */
async function ownTask(role: Role): Promise<{ item?: CaseRecord; task: TaskRecord; body: unknown }> {
  if (role === 'police' || role === 'council') {
    const task = await meetingTask(CALLER_ORG[role].own);
    return { task, body: { result: 'done' } };
  }
  if (role === 'localgov') {
    const item = await seedCase('IN_ASSISTANCE');
    return { item, task: await seedTask(item, 'PLAN_ITEM', 'dept-own'), body: { result: 'done' } };
  }
  if (role === 'coordinator') {
    const item = await seedCase('FOLLOW_UP', { closureProposal: 'CLOSED' });
    return {
      item,
      task: await seedTask(item, 'CLOSURE_CONFIRMATION', 'prefecture-own'),
      body: { decision: 'confirm' },
    };
  }
  const item = await seedCase('ACCEPTED');
  return { item, task: await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own'), body: { needs: ['shelter'] } };
}

interface Call {
  readonly routeKey: string;
  readonly path: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  /** The id a list answer holds when the cell is a plain 200. */
  readonly listed?: string;
  /** The schema of a 200's body (docs/openapi.json): strict, so the view has no field it lacks. */
  readonly schema?: z.ZodType;
}

/** Seeds what one cell needs (fresh data: commands change it) and says what to call. */
const ARRANGE: Record<string, (role: Role) => Promise<Call>> = {
  'GET /cases': async () => {
    const item = await seedCase('ACCEPTED');
    return { routeKey: 'GET /cases', path: {}, query: { limit: '100' }, listed: item.caseId };
  },
  'GET /cases/{caseId}': async () => {
    const item = await seedCase('ACCEPTED');
    return { routeKey: 'GET /cases/{caseId}', path: { caseId: item.caseId } };
  },
  'GET /cases/{caseId}/timeline': async () => {
    const item = await seedCase('ACCEPTED');
    return { routeKey: 'GET /cases/{caseId}/timeline', path: { caseId: item.caseId } };
  },
  'GET /cases/{caseId}/audit': async () => {
    const item = await seedCase('ACCEPTED');
    return { routeKey: 'GET /cases/{caseId}/audit', path: { caseId: item.caseId } };
  },
  'GET /cases/{caseId}/export': async () => {
    const item = await seedCase('ACCEPTED');
    return { routeKey: 'GET /cases/{caseId}/export', path: { caseId: item.caseId } };
  },
  'GET /tasks': async (role) => {
    const { task } = await ownTask(role);
    return { routeKey: 'GET /tasks', path: {}, query: { limit: '100' }, listed: task.taskId };
  },
  'GET /tasks/{taskId}': async (role) => {
    const { task } = await ownTask(role);
    return { routeKey: 'GET /tasks/{taskId}', path: { taskId: task.taskId } };
  },
  'POST /tasks/{taskId}/completion': async (role) => {
    const { task, body } = await ownTask(role);
    return { routeKey: 'POST /tasks/{taskId}/completion', path: { taskId: task.taskId }, body };
  },
  'POST /tasks/{taskId}/deadline': async () => {
    const item = await seedCase('ACCEPTED');
    const task = await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own');
    return {
      routeKey: 'POST /tasks/{taskId}/deadline',
      path: { taskId: task.taskId },
      body: { dueAt: '2026-12-10T17:00:00+01:00' },
    };
  },
  'POST /cases/{caseId}/assignment': async () => {
    const item = await seedCase('UNASSIGNED');
    return {
      routeKey: 'POST /cases/{caseId}/assignment',
      path: { caseId: item.caseId },
      body: { orgId: 'ngo-own' },
    };
  },
  'POST /cases/{caseId}/plan': async () => {
    const item = await seedCase('ASSESSED');
    await seedTask(item, 'ASSISTANCE_PLAN', 'ngo-own');
    return {
      routeKey: 'POST /cases/{caseId}/plan',
      path: { caseId: item.caseId },
      body: { items: [{ service: 'shelter', orgId: 'ngo-own' }] },
    };
  },
  'POST /cases/{caseId}/withdrawal': async () => {
    const item = await seedCase('ACCEPTED');
    await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own');
    return { routeKey: 'POST /cases/{caseId}/withdrawal', path: { caseId: item.caseId }, body: {} };
  },
  'POST /cases/{caseId}/closure': async (role) => {
    if (role === 'coordinator') {
      const item = await seedCase('FOLLOW_UP', { closureProposal: 'CLOSED' });
      await seedTask(item, 'CLOSURE_CONFIRMATION', 'prefecture-own');
      return {
        routeKey: 'POST /cases/{caseId}/closure',
        path: { caseId: item.caseId },
        body: { decision: 'confirm' },
      };
    }
    const item = await seedCase('FOLLOW_UP');
    await seedTask(item, 'CLOSURE_PROPOSAL', 'ngo-own');
    return {
      routeKey: 'POST /cases/{caseId}/closure',
      path: { caseId: item.caseId },
      body: { closure: 'CLOSED' },
    };
  },
  'POST /cases/{caseId}/profile-correction': async () => {
    const item = await seedCase('ACCEPTED');
    return {
      routeKey: 'POST /cases/{caseId}/profile-correction',
      path: { caseId: item.caseId },
      body: { version: item.version, person: { language: 'en' } },
    };
  },
  'POST /cases/{caseId}/transfer': async () => {
    const item = await seedCase('ACCEPTED');
    await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own');
    return {
      routeKey: 'POST /cases/{caseId}/transfer',
      path: { caseId: item.caseId },
      body: { orgId: 'ngo-foreign', reason: 'capacity' },
    };
  },
  'POST /cases/{caseId}/reopening': async () => {
    const item = await seedCase('CLOSED', { closedAt: '2026-11-30T09:00:00.000Z' });
    return {
      routeKey: 'POST /cases/{caseId}/reopening',
      path: { caseId: item.caseId },
      body: { reason: 'new-needs' },
    };
  },
};

/** The meetings' cells: each call gets a meeting of its own (writes change it). */
const MEETINGS_ARRANGE: Record<string, (role: Role) => Promise<Call>> = {
  'GET /meetings': async () => {
    const meeting = await seedMeeting();
    return {
      routeKey: 'GET /meetings',
      path: {},
      query: { region: 'korca', limit: '100' },
      listed: meeting.meetingId,
      schema: meetingListSchema,
    };
  },
  'POST /meetings': async () => ({
    routeKey: 'POST /meetings',
    path: {},
    body: meetingBody(),
    schema: meetingItemsSchema,
  }),
  'GET /meetings/{meetingId}': async () => {
    const meeting = await seedMeeting();
    return {
      routeKey: 'GET /meetings/{meetingId}',
      path: { meetingId: meeting.meetingId },
      schema: meetingDetailSchema,
    };
  },
  'PATCH /meetings/{meetingId}': async () => {
    const meeting = await seedMeeting();
    return {
      routeKey: 'PATCH /meetings/{meetingId}',
      path: { meetingId: meeting.meetingId },
      body: { version: meeting.version, place: 'Bashkia Korçë' },
      schema: meetingViewSchema,
    };
  },
  'POST /meetings/{meetingId}/cancellation': async () => {
    const meeting = await seedMeeting();
    return {
      routeKey: 'POST /meetings/{meetingId}/cancellation',
      path: { meetingId: meeting.meetingId },
      body: { version: meeting.version },
      schema: meetingItemsSchema,
    };
  },
  'POST /meetings/{meetingId}/minutes': async () => {
    const meeting = await endedMeeting();
    return {
      routeKey: 'POST /meetings/{meetingId}/minutes',
      path: { meetingId: meeting.meetingId },
      body: { summary: 'The group reviewed the quarter.' },
      schema: meetingViewSchema,
    };
  },
};

function routeFor(routeKey: string) {
  if (routeKey.includes('/meetings')) return meetingsRoute(meetingDeps(), new MemoryAudit());
  const d = deps();
  if (routeKey.includes('/tasks')) return tasksApiRoute(d, new MemoryAudit());
  if (routeKey.startsWith('GET'))
    return readCasesRoute(
      { ...d, auditTrail: new MemoryAudit(), deliveries: { listTaskDeliveries: async () => [] } },
      new MemoryAudit(),
    );
  return caseCommandsRoute(d, new MemoryAudit());
}

type AnyRoute = (e: unknown, ctx: Context) => Promise<APIGatewayProxyStructuredResultV2>;

function call(role: Role, orgId: string, c: Call): Promise<APIGatewayProxyStructuredResultV2> {
  return callWith(routeFor(c.routeKey) as unknown as AnyRoute, role, orgId, c);
}

async function callWith(
  route: AnyRoute,
  role: Role,
  orgId: string,
  c: Call,
): Promise<APIGatewayProxyStructuredResultV2> {
  const event = {
    version: '2.0',
    routeKey: c.routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: c.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(c.query ? { queryStringParameters: c.query } : {}),
    pathParameters: c.path,
    ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
    isBase64Encoded: false,
    requestContext: {
      http: {
        method: c.routeKey.split(' ')[0],
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      authorizer: {
        jwt: {
          claims: {
            sub: `${role}-${orgId}`,
            token_use: 'id',
            'custom:orgId': orgId,
            'cognito:groups': `[${role}]`,
            email: `someone@${orgId}.example.org`,
          },
          scopes: [],
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  return route(event, context);
}

beforeAll(async () => {
  table = await createTestTable('access');
  store = new MeetingStore(table.client, table.tableName);
  await store.seedRegion({ regionId: 'korca', code: 'KOR', name: 'Korçë' });
  await store.seedRegion({ regionId: 'vlora', code: 'VLO', name: 'Vlorë' });
  for (const o of ORGS) await store.seedOrganisation(o);
});

afterAll(async () => {
  await table.drop();
});

describe('docs/access.md', () => {
  it('has a row for every role, own and foreign, and a column for every route', () => {
    const roles = ['police', 'ngo', 'localgov', 'council', 'coordinator', 'admin'];
    expect(MATRIX.rows.map((r) => `${r.role}/${r.data}`)).toEqual(
      roles.flatMap((r) => [`${r}/own`, `${r}/foreign`]),
    );
    expect(MATRIX.routes).toEqual(Object.keys(ARRANGE));
    for (const row of MATRIX.rows) {
      for (const cell of row.cells) expect(cell).toMatch(/^(200|200 \(not listed\)|403|404)$/);
    }
  });

  it('has a meetings matrix with the same rows and a column for every meetings route', () => {
    expect(MEETINGS_MATRIX.rows.map((r) => `${r.role}/${r.data}`)).toEqual(
      MATRIX.rows.map((r) => `${r.role}/${r.data}`),
    );
    expect(MEETINGS_MATRIX.routes).toEqual(Object.keys(MEETINGS_ARRANGE));
    for (const row of MEETINGS_MATRIX.rows) {
      for (const cell of row.cells) expect(cell).toMatch(/^(200|201|200 \(not listed\)|403|404)$/);
    }
  });
});

const cellsOf = (matrix: typeof MATRIX) =>
  matrix.rows.flatMap((row) =>
    row.cells.map((cell, i) => [row.role, row.data, matrix.routes[i] as string, cell] as const),
  );
const CELLS = [...cellsOf(MATRIX), ...cellsOf(MEETINGS_MATRIX)];
const ARRANGEMENTS = { ...ARRANGE, ...MEETINGS_ARRANGE };

/** The id of a list's item, by route. */
const idOf = (routeKey: string, item: { caseId?: string; taskId?: string; meetingId?: string }) =>
  routeKey === 'GET /tasks' ? item.taskId : routeKey === 'GET /meetings' ? item.meetingId : item.caseId;

describe('the access matrix, cell by cell', () => {
  it.each(CELLS)('%s (%s data) %s → %s', async (role, data, routeKey, cell) => {
    const arrange = ARRANGEMENTS[routeKey];
    if (!arrange) throw new Error(`no arrangement for ${routeKey}`);
    const c = await arrange(role);
    let res = await call(role, CALLER_ORG[role][data], c);
    const items: { caseId?: string; taskId?: string; meetingId?: string }[] = [];
    // A list: every page, following nextCursor (the table holds every cell's data).
    while (res.statusCode === 200 && c.listed) {
      const page = JSON.parse(String(res.body)) as { items: typeof items; nextCursor?: string };
      c.schema?.parse(page);
      items.push(...page.items);
      if (!page.nextCursor) break;
      res = await call(role, CALLER_ORG[role][data], {
        ...c,
        query: { ...c.query, cursor: page.nextCursor },
      });
    }
    const status = Number(cell.slice(0, 3));
    expect({
      status: res.statusCode,
      body: status < 300 ? undefined : JSON.parse(String(res.body)).status,
    }).toEqual({ status, body: status < 300 ? undefined : status });
    if (status < 300 && c.schema && !c.listed) c.schema.parse(JSON.parse(String(res.body)));
    if (status === 200 && c.listed) {
      const ids = items.map((i) => idOf(routeKey, i));
      if (cell === '200') expect(ids).toContain(c.listed);
      else expect(ids).not.toContain(c.listed);
    }
  });
});

describe('the case and task routes beyond the status', () => {
  it('withdraws: cancels the open tasks, fails their callbacks, tells the NGO and the officer once', async () => {
    const item = await seedCase('ACCEPTED');
    const task = await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own');
    const failed: string[][] = [];
    const sent: string[][] = [];
    const d = {
      ...deps(),
      callback: {
        succeed: async () => 'ok' as const,
        fail: async (token: string, error: string, cause: string) => {
          failed.push([token, error, cause]);
          return 'ok' as const;
        },
      },
      mailer: {
        send: async (m: { to: readonly string[] }) => {
          sent.push([...m.to]);
          return { status: 'sent' as const, messageId: 'm' };
        },
      },
    };
    const route = caseCommandsRoute(d, new MemoryAudit()) as unknown as AnyRoute;
    const c = { routeKey: 'POST /cases/{caseId}/withdrawal', path: { caseId: item.caseId } };
    const first = await callWith(route, 'police', 'police-own', c);
    const again = await callWith(route, 'police', 'police-own', c);
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(String(first.body)).status).toBe('WITHDRAWN');
    expect((await store.getTask(task.taskId))?.status).toBe('CANCELLED');
    expect(failed).toEqual([['token-NEEDS_ASSESSMENT', 'TaskCancelled', 'the case was withdrawn']]);
    expect(sent).toEqual([['focal@ngo-own.example.org'], ['officer@police-own.example.org']]);
  });

  it('refuses to withdraw a person treated as a child: 409 child_cannot_withdraw', async () => {
    const item = await seedCase('ACCEPTED', {
      person: {
        ageGroup: 'unknown',
        gender: 'male',
        nationality: 'AL',
        language: 'sq',
        needs: ['shelter'],
        riskLevel: 'high',
      },
    });
    const res = await call('coordinator', 'prefecture-own', {
      routeKey: 'POST /cases/{caseId}/withdrawal',
      path: { caseId: item.caseId },
      body: {},
    });
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(String(res.body)).errors).toEqual([{ path: '', code: 'child_cannot_withdraw' }]);
    expect((await store.getCase(item.caseId))?.status).toBe('ACCEPTED');
  });

  it('keeps case tasks from police and council members: a case task of their own organisation is a 404 and not listed', async () => {
    const item = await seedCase('IN_ASSISTANCE');
    for (const [role, orgId] of [
      ['council', 'municipality-own'],
      ['police', 'police-own'],
    ] as const) {
      const task = await seedTask(item, 'PLAN_ITEM', orgId);
      const byId = await call(role, orgId, {
        routeKey: 'GET /tasks/{taskId}',
        path: { taskId: task.taskId },
      });
      const done = await call(role, orgId, {
        routeKey: 'POST /tasks/{taskId}/completion',
        path: { taskId: task.taskId },
        body: { result: 'done' },
      });
      expect([byId.statusCode, done.statusCode]).toEqual([404, 404]);
      const list = await call(role, orgId, { routeKey: 'GET /tasks', path: {}, query: { limit: '100' } });
      const ids = (JSON.parse(String(list.body)).items as { taskId: string }[]).map((t) => t.taskId);
      expect(ids).not.toContain(task.taskId);
      expect((await store.getTask(task.taskId))?.status).toBe('OPEN');
    }
  });

  it('shows a meeting task to its organisation with the meeting named in place of a case', async () => {
    const task = await meetingTask('municipality-own');
    const res = await call('council', 'municipality-own', {
      routeKey: 'GET /tasks/{taskId}',
      path: { taskId: task.taskId },
    });
    expect(res.statusCode).toBe(200);
    const view = JSON.parse(String(res.body));
    expect(view).toMatchObject({ kind: 'ACTION_ITEM', meetingId: task.meetingId });
    expect(view.caseId).toBeUndefined();
    expect(view.reference).toContain('Këshilli vendor kundër trafikimit');
  });

  it('shows the answers and the history to the coordinator only', async () => {
    const meeting = await seedMeeting();
    const c = { routeKey: 'GET /meetings/{meetingId}', path: { meetingId: meeting.meetingId } };
    const asCoordinator = JSON.parse(String((await call('coordinator', 'prefecture-own', c)).body));
    const asMember = JSON.parse(String((await call('ngo', 'ngo-own', c)).body));
    expect(asCoordinator.history.map((e: { type: string }) => e.type)).toEqual(['MEETING_CREATED']);
    expect(asMember.history).toEqual([]);
    expect(asMember.attendees.map((a: { email: string }) => a.email)).toContain(
      'council@ngo-own.example.org',
    );
  });

  it('answers a second completion of a task with 409 task_closed', async () => {
    const { task, body } = await ownTask('ngo');
    const c = { routeKey: 'POST /tasks/{taskId}/completion', path: { taskId: task.taskId }, body };
    const first = await call('ngo', 'ngo-own', c);
    const second = await call('ngo', 'ngo-own', c);
    expect([first.statusCode, second.statusCode]).toEqual([200, 409]);
    expect(JSON.parse(String(second.body)).errors).toEqual([{ path: '', code: 'task_closed' }]);
  });

  it('refuses a cursor of another list with 400 invalid_cursor', async () => {
    const foreign = Buffer.from(
      JSON.stringify({
        p: 'TASKS#ngo-foreign#OPEN',
        k: { pk: 'TASK#x', sk: 'TASK', gsi1pk: 'TASKS#ngo-foreign#OPEN', gsi1sk: 'x' },
      }),
    ).toString('base64url');
    for (const cursor of [foreign, 'not-a-cursor', '%%%']) {
      const res = await call('ngo', 'ngo-own', { routeKey: 'GET /tasks', path: {}, query: { cursor } });
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(String(res.body)).errors).toEqual([
        { path: '/query/cursor', code: 'invalid_cursor' },
      ]);
    }
  });

  it('shows the police only the status changes they are told of, coordinators every event', async () => {
    const item = await seedCase('ACCEPTED');
    await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own');
    const c = { routeKey: 'GET /cases/{caseId}/timeline', path: { caseId: item.caseId } };
    const police = JSON.parse(String((await call('police', 'police-own', c)).body)).items;
    const coordinator = JSON.parse(String((await call('coordinator', 'prefecture-own', c)).body)).items;
    expect(police.map((e: { type: string }) => e.type)).toEqual(['REFERRED']);
    expect(police[0].actor).toEqual({ role: 'police', orgId: 'police-own' });
    expect(coordinator.map((e: { type: string }) => e.type)).toEqual(['REFERRED', 'NEEDS_ASSESSMENT_OPENED']);
  });
});

describe('POST /tasks/{taskId}/deadline', () => {
  const move = (taskId: string, body: unknown, orgId = 'prefecture-own') =>
    call('coordinator', orgId, { routeKey: 'POST /tasks/{taskId}/deadline', path: { taskId }, body });

  it('moves an open task and its pending reminder, and says so on the timeline', async () => {
    const item = await seedCase('ACCEPTED');
    const task = await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own');
    const res = await move(task.taskId, { dueAt: '2026-12-10T17:00:00+01:00' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toMatchObject({ dueAt: '2026-12-10T16:00:00.000Z', overdue: false });
    const stored = await store.getTask(task.taskId);
    expect(stored).toMatchObject({ dueAt: '2026-12-10T16:00:00.000Z', reminderAt: expect.any(String) });
    const due = (await table.items()).filter((i) => i.type === 'REMINDER' && i.taskId === task.taskId);
    expect(due.map((i) => i.dueAt)).toEqual([stored?.reminderAt]);
    expect((await store.listEvents(item.caseId)).map((e) => e.type)).toContain('NEEDS_ASSESSMENT_DUE_MOVED');
  });

  it('refuses a past or far instant, a bad body, a done task and the offer, changing nothing', async () => {
    const item = await seedCase('ACCEPTED');
    const task = await seedTask(item, 'NEEDS_ASSESSMENT', 'ngo-own');
    const before = await store.getTask(task.taskId);
    for (const body of [
      { dueAt: '2026-11-30T10:00:00Z' },
      { dueAt: '2028-01-01T10:00:00Z' },
      { dueAt: '2026-12-10T17:00:00' },
      { dueAt: '2026-12-10T17:00:00Z', extra: 1 },
      {},
    ]) {
      const res = await move(task.taskId, body);
      expect(res.statusCode).toBe(400);
    }
    expect(await store.getTask(task.taskId)).toEqual(before);
    const offerCase = await seedCase('OFFERED');
    const offer = await seedTask(offerCase, 'OFFER', 'ngo-own');
    await store.completeTask({
      task: (await store.getTask(task.taskId)) as TaskRecord,
      status: 'DONE',
      result: 'complete',
      outcome: { needs: ['shelter'] },
      actor: { role: 'ngo', orgId: 'ngo-own' },
      now: NOW.toISOString(),
    });
    expect((await move(task.taskId, { dueAt: '2026-12-10T17:00:00Z' })).statusCode).toBe(410);
    const fixed = await move(offer.taskId, { dueAt: '2026-12-10T17:00:00Z' });
    expect(fixed.statusCode).toBe(409);
    expect(JSON.parse(String(fixed.body))).toMatchObject({ errors: [{ code: 'deadline_fixed' }] });
  });
});
