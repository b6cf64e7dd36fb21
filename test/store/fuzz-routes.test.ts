/**
 * Property-based bad input (issue 12 §3; docs/SECURITY.md "Bad input a test suite must try"):
 * for every route of docs/openapi.json and every POST form of the console, at least 1,000
 * generated bad requests, run in-process against the handlers on DynamoDB Local with the demo
 * directory, one realistic case (its open task, an armed offer) and a meeting. The arbitraries
 * are hand-written: each request carries at least one defect that makes it invalid (a forged or
 * unusable caller, a bad path id, a bad query value, a body that is malformed, too large, of the
 * wrong type, or that lacks, adds or mistypes a field) besides random nasty values elsewhere.
 * Property: the answer is a 4xx, never a 5xx; and after each route's run the table, the outbox,
 * the workflow starts and the task answers are what they were before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import type { MemberCaller } from '../../shared/auth/caller';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { DirectoryStore } from '../../shared/data/directory-store';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import { issueActionToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import { MAX_BODY_BYTES } from '../../shared/http/body';
import { createMeeting } from '../../shared/meetings/meetings';
import { MemoryAudit } from '../support/audit';
import { type ConsoleWorld, korcaDirectory, startConsoleWorld } from '../support/console-world';
import { createTestTable, DYNAMODB_URL_ENV, type TestTable } from '../support/dynamodb-local';
import { offerTask } from '../support/fixtures';
import { dropStoreTables, type StoreTable, storeTable } from '../support/store-table';
import { RecordingMailer } from '../support/workflow-fakes';

const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const NOW = new Date('2026-12-01T10:00:00.000Z');
const ZONE = 'Europe/Tirane';

process.env.TABLE_NAME = 'unset-until-the-table-exists';
process.env.AUDIT_TABLE_NAME = 'audit';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:111111111111:stateMachine:referral';
process.env.TIME_ZONE = ZONE;
process.env.INTERVIEW_MAX_AGE_DAYS = '30';
process.env.DEADLINES = '{}';
process.env.HOLIDAYS = '';
process.env.REMINDERS = '{}';
process.env.AWS_REGION = 'eu-central-1';
process.env.ACTION_BASE_URL = 'https://api.example.org';
process.env.SENDER_EMAIL = 'no-reply@example.org';
process.env.SES_CONFIGURATION_SET = 'bashke';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Strings a careless edge mishandles: blank, control, bidi, zero-width, surrogates, markup, dates. */
const NASTY_CONSTANTS = [
  '',
  ' ',
  '\t\n \r',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDC00y',
  '\uDBFF\uDBFF',
  '\u202Eevil\u202C',
  '\u200B',
  '\u200Bngo-vatra',
  'ngo-vatra\u200B',
  '\uFEFFkorca',
  'Name\r\nBcc: victim@example.org',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup, as an attacker types it
  '${jndi:ldap://x}',
  "'; DROP TABLE cases; --",
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  'null',
  'undefined',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'NGO-VATRA',
  'ngo--vatra',
  '0000-00-00',
  '2026-02-30',
  '2026-13-01',
  '2026-02-29',
  '9999-12-31',
  '0001-01-01',
  '+275760-09-13T00:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '2026-03-29T02:30',
  '2026-10-25T02:30',
  '2026-12-10T25:00',
  '2026-12-10T17:00:00+25:00',
  '2026-12-10',
  '𝕏'.repeat(5),
] as const;

const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_CONSTANTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 500, max: 15_000 }), fc.constantFrom('x', 'é', '\u200B', '<', '\u0000'))
      .map(([n, c]) => c.repeat(n)),
  },
);

/** Nested `depth` times in arrays or objects. */
const deep = (depth: number, leaf: unknown, asObject: boolean): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
  return v;
};

/** Any JSON value a field should not hold (with nasty strings in it). */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(-0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.5, -1),
  fc.array(nastyString, { maxLength: 4 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 3 }),
  fc.tuple(fc.integer({ min: 21, max: 400 }), fc.boolean()).map(([d, o]) => deep(d, 'x', o)),
  fc.integer({ min: 1000, max: 3000 }).map((n) => Array.from({ length: n }, () => 0)),
);

/** A value of another JSON type than `valid`'s (never a coercible one). */
function wrongTyped(valid: unknown): fc.Arbitrary<unknown> {
  const obj = fc.dictionary(nastyString, nastyString, { maxKeys: 2 });
  const arr = fc.array(nastyString, { maxLength: 3 });
  if (typeof valid === 'string') return fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), obj, arr);
  if (typeof valid === 'number') {
    return fc.oneof(
      nastyString.filter((s) => !/^\s*[-+]?[\d.]+(?:e\d+)?\s*$/i.test(s)),
      fc.boolean(),
      fc.constant(null),
      obj,
      arr,
      fc.constantFrom(0.5, -1, 1e308),
    );
  }
  if (typeof valid === 'boolean') {
    return fc.oneof(fc.constantFrom('true', 'yes', '1', ''), fc.integer(), fc.constant(null), obj, arr);
  }
  if (Array.isArray(valid)) return fc.oneof(nastyString, fc.integer(), fc.constant(null), obj);
  return fc.oneof(nastyString, fc.integer(), fc.constant(null), arr);
}

/** Keys an object should not have: prototype names, blanks, control and bidi characters. */
const nastyKey = (known: ReadonlySet<string>) =>
  fc
    .oneof(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
        '',
        ' ',
        '\u0000',
      ),
      nastyString.filter((s) => s.length < 100),
    )
    .filter((k) => !known.has(k));

/** `obj` with an own property `key` (also `__proto__`, which a literal would make the prototype). */
function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k !== key)
      Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
  }
  Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
  return out;
}

interface BodySpec {
  /** A valid body for the route's right caller and ids. */
  readonly valid: Record<string, unknown>;
  /** Fields whose absence makes the body invalid. */
  readonly required: readonly string[];
  /** Every property name the body's schema knows (never an "extra" key). */
  readonly known: ReadonlySet<string>;
  /** A request without a body (or with a blank one) is valid. */
  readonly optional?: boolean;
}

/** A body carrying one certain defect, with random nasty values in other fields. */
function badBody(spec: BodySpec): fc.Arbitrary<{ text: string; contentType?: string; defect: string }> {
  const fields = Object.keys(spec.valid);
  const noise = fc
    .array(fc.tuple(fields.length ? fc.constantFrom(...fields) : fc.constant('x'), nastyValue), {
      maxLength: fields.length ? 2 : 0,
    })
    .map((pairs) => {
      let out = { ...spec.valid };
      for (const [k, v] of pairs) out = withKey(out, k, v);
      return out;
    });
  const json = (v: unknown) => JSON.stringify(v);
  const mutated: fc.Arbitrary<{ text: string; defect: string }>[] = [
    fc
      .tuple(noise, nastyKey(spec.known), nastyValue)
      .map(([b, k, v]) => ({ text: json(withKey(b, k, v)), defect: `extra key ${JSON.stringify(k)}` })),
    fc.tuple(noise, fc.constantFrom('__proto__', 'constructor')).map(([b, k]) => ({
      text: json(withKey(b, k, { isAdmin: true, role: 'admin' })),
      defect: `${k} object`,
    })),
  ];
  if (fields.length) {
    mutated.push(
      fc
        .constantFrom(...fields)
        .chain((f) =>
          fc
            .tuple(noise, wrongTyped(spec.valid[f]))
            .map(([b, v]) => ({ text: json(withKey(b, f, v)), defect: `wrong type ${f}` })),
        ),
    );
  }
  if (spec.required.length) {
    mutated.push(
      fc.tuple(noise, fc.constantFrom(...spec.required)).map(([b, f]) => {
        const { [f]: _, ...rest } = b;
        return { text: json(rest), defect: `missing ${f}` };
      }),
      fc
        .tuple(noise, fc.constantFrom(...spec.required))
        .map(([b, f]) => ({ text: json(withKey(b, f, null)), defect: `null ${f}` })),
    );
  }
  const malformed = fc.oneof(
    fc.constantFrom(
      '{',
      '{"a":',
      "{'a': 1}",
      '{"a":1,}',
      '[1,2',
      'NaN',
      '{"a":1} trailing',
      '/* comment */ {}',
      '{"a":"\\u00"}',
      '\u0000',
      'undefined',
      ...(spec.optional ? [] : ['', ' ', '\r\n']),
    ),
    fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => {
      if (spec.optional && s.trim() === '') return false;
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
  );
  const nonObject = fc.oneof(
    fc.constant('null'),
    fc.constant('[]'),
    fc.integer().map(String),
    nastyString.map((s) => JSON.stringify(s)),
    fc.array(fc.constant(spec.valid), { minLength: 1, maxLength: 3 }).map((a) => JSON.stringify(a)),
  );
  const tooLarge = fc
    .tuple(fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 4 }), fc.constantFrom('x', 'é', '😀'))
    .map(([n, c]) =>
      json(withKey(spec.valid, fields[0] ?? 'x', c.repeat(Math.ceil(n / Buffer.byteLength(c))))),
    );
  const nested = fc
    .tuple(fc.integer({ min: 21, max: 5_000 }), fc.boolean(), nastyKey(spec.known))
    .map(([d, o, k]) =>
      json(withKey(spec.valid, k, '\u0001DEEP')).replace(
        '"\\u0001DEEP"',
        `${(o ? '{"a":' : '[').repeat(d)}null${(o ? '}' : ']').repeat(d)}`,
      ),
    );
  const hugeArray = fc.tuple(fc.integer({ min: 1_000, max: 8_000 }), nastyKey(spec.known)).map(([n, k]) =>
    json(
      withKey(
        spec.valid,
        k,
        Array.from({ length: n }, () => 1),
      ),
    ),
  );
  const wrongType = fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/jsonx',
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...mutated) },
    { weight: 2, arbitrary: malformed.map((text) => ({ text, defect: 'malformed JSON' })) },
    { weight: 1, arbitrary: nonObject.map((text) => ({ text, defect: 'not an object' })) },
    { weight: 1, arbitrary: tooLarge.map((text) => ({ text, defect: 'too large' })) },
    { weight: 1, arbitrary: nested.map((text) => ({ text, defect: 'deep nesting' })) },
    { weight: 1, arbitrary: hugeArray.map((text) => ({ text, defect: 'huge array' })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(wrongType, fc.constant(JSON.stringify(spec.valid)))
        .map(([contentType, text]) => ({ text, contentType, defect: `content type ${contentType}` })),
    },
  );
}

type Claims = Record<string, unknown>;
const claimsOf = (role: string, orgId: string): Claims => ({
  sub: `${role}-${orgId}`,
  token_use: 'id',
  'custom:orgId': orgId,
  'cognito:groups': `[${role}]`,
  email: `someone@${orgId}.example.org`,
});

/** A caller no route serves: absent or forged claims, an unknown organisation, a role its organisation cannot hold. */
const badCaller: fc.Arbitrary<{ authorizer: unknown; defect: string }> = fc.oneof(
  fc.constantFrom(
    { authorizer: undefined, defect: 'no authorizer' },
    { authorizer: {}, defect: 'no jwt' },
    { authorizer: { jwt: {} }, defect: 'no claims' },
    { authorizer: { jwt: { claims: {} } }, defect: 'empty claims' },
    { authorizer: { jwt: { claims: null } }, defect: 'null claims' },
    { authorizer: { jwt: { claims: 'police' } }, defect: 'string claims' },
    {
      authorizer: { jwt: { claims: { ...claimsOf('police', 'police-korca'), token_use: 'access' } } },
      defect: 'access token',
    },
    { authorizer: { jwt: { claims: claimsOf('police', 'nowhere-org') } }, defect: 'unknown org' },
    { authorizer: { jwt: { claims: claimsOf('coordinator', 'prefecture-vlora') } }, defect: 'unknown org' },
    { authorizer: { jwt: { claims: claimsOf('police', 'ngo-vatra') } }, defect: 'police in an NGO' },
    { authorizer: { jwt: { claims: claimsOf('ngo', 'police-korca') } }, defect: 'NGO in the police' },
    { authorizer: { jwt: { claims: claimsOf('localgov', 'ngo-vatra') } }, defect: 'localgov in an NGO' },
    { authorizer: { jwt: { claims: claimsOf('superuser', 'prefecture-korca') } }, defect: 'unknown role' },
    {
      authorizer: { jwt: { claims: { ...claimsOf('police', 'police-korca'), 'cognito:groups': '[]' } } },
      defect: 'no role',
    },
    {
      authorizer: {
        jwt: { claims: { ...claimsOf('police', 'police-korca'), 'cognito:groups': '[admin coordinator]' } },
      },
      defect: 'two roles',
    },
    {
      authorizer: {
        jwt: { claims: { ...claimsOf('admin', 'prefecture-korca'), 'cognito:groups': ['admin', 'police'] } },
      },
      defect: 'two roles (array)',
    },
    {
      authorizer: { jwt: { claims: { ...claimsOf('admin', 'prefecture-korca'), sub: '' } } },
      defect: 'blank sub',
    },
  ),
  fc
    .tuple(fc.constantFrom('sub', 'custom:orgId', 'cognito:groups', 'email', 'token_use'), nastyValue)
    .filter(([k, v]) => !(k === 'email' && v === undefined))
    .map(([k, v]) => ({
      authorizer: { jwt: { claims: withKey(claimsOf('admin', 'prefecture-korca'), k, v) } },
      defect: `forged ${k}`,
    }))
    // A nasty value that happens to be a usable claim is no defect.
    .filter(({ authorizer }) => {
      const c = (authorizer as { jwt: { claims: Claims } }).jwt.claims;
      return !(
        typeof c.sub === 'string' &&
        c.sub.length > 0 &&
        c.token_use === 'id' &&
        c['custom:orgId'] === 'prefecture-korca' &&
        c['cognito:groups'] === '[admin]' &&
        (c.email === undefined || c.email === 'someone@prefecture-korca.example.org')
      );
    }),
);

const uuidLike = fc.uuid({ version: 4 });
/** A path id that names nothing: malformed, blank, huge, traversal, or well-formed but unknown. */
const badId = (kind: 'uuid' | 'slug'): fc.Arbitrary<string> =>
  fc.oneof(
    kind === 'uuid' ? uuidLike : fc.constantFrom('nowhere-org', 'ngo-unknown', 'a'),
    nastyString,
    fc.constantFrom('..', '../cases', '%2F', 'CASE#x', 'ORG#ngo-vatra', '*', ' '),
    fc.string({ unit: 'binary', minLength: 200, maxLength: 2_000 }),
  );

// ---------------------------------------------------------------------------------------------
// The world: one table, the demo directory, a case with an open task, an armed offer, a meeting
// ---------------------------------------------------------------------------------------------

type Route = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;
const context = {
  awsRequestId: 'req-fuzz',
  functionName: 'fuzz',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

let db: StoreTable;
let auditTable: TestTable | undefined;
const mailer = new RecordingMailer();
const started: unknown[] = [];
const answered: unknown[] = [];
const sfnCalls: unknown[] = [];
const ids = {
  caseId: '00000000-0000-4000-8000-000000000001',
  offerCaseId: '00000000-0000-4000-8000-000000000002',
  taskId: '00000000-0000-4000-8000-000000000011',
  offerTaskId: '00000000-0000-4000-8000-000000000012',
  meetingId: '',
  actionToken: '',
  rsvpToken: '',
};

const COORDINATOR: MemberCaller = {
  sub: 'coordinator-prefecture-korca',
  email: 'coordinator@prefecture-korca.example.org',
  orgId: 'prefecture-korca',
  role: 'coordinator',
  orgKind: 'prefecture',
  regions: ['korca'],
};

const person = {
  ageGroup: 'adult',
  gender: 'female',
  nationality: 'AL',
  language: 'sq',
  needs: ['shelter'],
  riskLevel: 'high',
} as const;

async function seedCase(store: StoreTable['store'], caseId: string, status: CaseRecord['status']) {
  const at = '2026-11-20T09:00:00.000Z';
  const caseItem: CaseRecord = {
    caseId,
    reference: `KOR-2026-${caseId.slice(-4)}`,
    region: 'korca',
    status,
    version: 1,
    interviewDate: '2026-11-19',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-vatra',
    person: { ...person, needs: [...person.needs] },
    consentGiven: true,
    consent: { given: true },
    referringOrgId: 'police-korca',
    officerSub: 'officer-1',
    officerEmail: 'antitrafficking@police-korca.example.org',
    offeredOrgIds: status === 'REFERRED' ? [] : ['ngo-vatra'],
    ...(status === 'ACCEPTED' ? { acceptedOrgId: 'ngo-vatra', acceptedAt: at } : {}),
    createdAt: at,
    updatedAt: at,
  };
  await store.createReferral({
    caseItem,
    event: { caseId, at, type: 'REFERRED', actor: 'police', orgId: 'police-korca', status: 'REFERRED' },
    idempotency: {
      scope: 'police-korca',
      key: caseId,
      requestHash: 'h',
      response: { caseId, reference: caseItem.reference, status: 'REFERRED' },
      createdAt: at,
    },
  });
}

function meetingDeps(store: StoreTable['store'], mail: RecordingMailer) {
  return {
    store,
    directory: store,
    mailer: mail,
    now: () => NOW,
    timeZone: ZONE,
    meetingReminders: DEFAULT_REMINDERS.meetings,
    publicBaseUrl: 'https://api.example.org',
    uidDomain: 'example.org',
    claimSeconds: 300,
    complete: {
      now: () => NOW,
      deadlines: DEFAULT_DEADLINES,
      calendar: { timeZone: ZONE, holidays: new Set<string>() },
      reminders: DEFAULT_REMINDERS,
      store,
      callback: {
        succeed: async (token: string, output: unknown) => {
          answered.push({ token, output });
          return 'closed' as const;
        },
      },
    },
  };
}

/** The realistic data: an accepted case with its open needs assessment, an armed offer of another, a meeting. */
async function seedWorld(store: StoreTable['store'], mail: RecordingMailer) {
  await seedCase(store, ids.caseId, 'ACCEPTED');
  const task: TaskRecord = {
    taskId: ids.taskId,
    kind: 'NEEDS_ASSESSMENT',
    subject: 'case',
    caseId: ids.caseId,
    orgId: 'ngo-vatra',
    status: 'OPEN',
    createdAt: '2026-11-21T09:00:00.000Z',
    dueAt: '2026-12-10T09:00:00.000Z',
    sequence: 1,
    sfnTaskToken: 'sfn-token-needs',
  };
  expect(await store.openTask({ task, actor: { role: 'system' }, now: '2026-11-21T09:00:00.000Z' })).toBe(
    'opened',
  );
  await seedCase(store, ids.offerCaseId, 'REFERRED');
  const deadline = '2026-12-03T09:00:00.000Z';
  await store.openOffer({
    caseId: ids.offerCaseId,
    expectedVersion: 1,
    afterTaskId: undefined,
    task: offerTask({
      taskId: ids.offerTaskId,
      caseId: ids.offerCaseId,
      orgId: 'ngo-vatra',
      createdAt: '2026-12-01T09:00:00.000Z',
      dueAt: deadline,
      expiresAt: deadline,
    }),
    now: '2026-12-01T09:00:00.000Z',
  });
  const { token, hash } = issueActionToken();
  await store.armTask({
    taskId: ids.offerTaskId,
    caseId: ids.offerCaseId,
    sfnTaskToken: 'sfn-token-offer',
    link: { hash, taskId: ids.offerTaskId, expiresAt: deadline },
  });
  const [meeting] = await createMeeting(meetingDeps(store, mail), COORDINATOR, {
    region: 'korca',
    title: 'Këshilli vendor kundër trafikimit',
    agenda: ['Rastet e tremujorit'],
    place: 'Prefektura, salla 2',
    start: '2026-12-15T10:00',
    end: '2026-12-15T12:00',
    invite: { orgIds: ['ngo-iom', 'police-korca'] },
  });
  if (!meeting) throw new Error('no meeting');
  const rsvp = JSON.stringify(mail.sent).match(/\/rsvp\/([A-Za-z0-9_-]+)/);
  return { token, meetingId: meeting.meetingId, rsvpToken: rsvp?.[1] ?? '' };
}

// ---------------------------------------------------------------------------------------------
// The routes
// ---------------------------------------------------------------------------------------------

const OPENAPI = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));

/** Every property name of a route's request body schema, at any depth. */
function knownNames(path: string, method: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (s: unknown): void => {
    if (!s || typeof s !== 'object' || seen.has(s)) return;
    seen.add(s);
    const ref = (s as { $ref?: string }).$ref;
    if (ref) {
      walk(
        ref
          .split('/')
          .slice(1)
          .reduce((a, k) => a?.[k], OPENAPI),
      );
      return;
    }
    const props = (s as { properties?: Record<string, unknown> }).properties;
    for (const [k, v] of Object.entries(props ?? {})) {
      names.add(k);
      walk(v);
    }
    for (const v of Object.values(s)) if (typeof v === 'object') walk(v);
  };
  walk(OPENAPI.paths[path]?.[method.toLowerCase()]?.requestBody);
  return names;
}

interface RouteSpec {
  readonly routeKey: string;
  readonly route: () => Route;
  /** Who may use it, with real ids: what a request with no defect would be answered for. */
  readonly claims: Claims;
  readonly path?: Record<string, 'uuid' | 'slug'>;
  readonly ids?: () => Record<string, string>;
  readonly body?: () => Omit<BodySpec, 'known'>;
  /** Query values that are malformed. */
  readonly badQuery?: Record<string, readonly string[]>;
  /** A caller of the group whose role may not use the route. */
  readonly wrongRole?: Claims;
  /** The body is read only after the caller and the ids: a body defect alone is no defect. */
  readonly bodyIgnored?: boolean;
}

function deps() {
  return {
    store: db.store,
    directory: new DirectoryCache(db.store),
    now: () => NOW,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: { timeZone: ZONE, holidays: new Set<string>() },
    callback: {
      succeed: async (token: string, output: unknown) => {
        answered.push({ token, output });
        return 'ok' as const;
      },
      fail: async (token: string, error: string) => {
        answered.push({ token, error });
        return 'ok' as const;
      },
    },
    workflow: {
      start: async (input: unknown) => {
        started.push(input);
      },
    },
    mailer,
    actionBaseUrl: 'https://api.example.org',
    timeZone: ZONE,
    interviewMaxAgeDays: 30,
  };
}

const handlers = () => ({
  referral:
    require('../../functions/create-referral/handler') as typeof import('../../functions/create-referral/handler'),
  read: require('../../functions/read-cases/handler') as typeof import('../../functions/read-cases/handler'),
  tasks: require('../../functions/tasks-api/handler') as typeof import('../../functions/tasks-api/handler'),
  commands:
    require('../../functions/case-commands/handler') as typeof import('../../functions/case-commands/handler'),
  meetings:
    require('../../functions/meetings-api/handler') as typeof import('../../functions/meetings-api/handler'),
  directory:
    require('../../functions/directory-api/handler') as typeof import('../../functions/directory-api/handler'),
  stats: require('../../functions/stats-api/handler') as typeof import('../../functions/stats-api/handler'),
  actionLink:
    require('../../functions/action-link/handler') as typeof import('../../functions/action-link/handler'),
});
type Handlers = ReturnType<typeof handlers>;
let H: Handlers;

const police = claimsOf('police', 'police-korca');
const ngo = claimsOf('ngo', 'ngo-vatra');
const coordinator = claimsOf('coordinator', 'prefecture-korca');
const admin = claimsOf('admin', 'prefecture-korca');
const cursors = [
  'not-a-cursor',
  '%%%',
  '',
  Buffer.from('{"p":"TASKS#ngo-iom#OPEN","k":{"pk":"TASK#x","sk":"TASK"}}').toString('base64url'),
  Buffer.from('{"__proto__":{"x":1}}').toString('base64url'),
  Buffer.from('null').toString('base64url'),
  'eyJ'.repeat(400),
];
const limits = ['0', '-1', 'abc', '1e3', '100000', '1.5', ' ', 'NaN', '0x10'];

const meetingBody = () => ({
  region: 'korca',
  title: 'Takim i ri',
  start: '2026-12-20T10:00',
  end: '2026-12-20T11:00',
  invite: { orgIds: ['ngo-iom'] },
});

const read = (key: string, extra: Partial<RouteSpec> = {}): RouteSpec => ({
  routeKey: key,
  route: () =>
    H.read.readCasesRoute(
      { ...deps(), auditTrail: new MemoryAudit(), deliveries: { listTaskDeliveries: async () => [] } },
      new MemoryAudit(),
    ) as unknown as Route,
  claims: coordinator,
  ...extra,
});
const command = (key: string, body: () => Omit<BodySpec, 'known'>, claims = coordinator): RouteSpec => ({
  routeKey: key,
  route: () => H.commands.caseCommandsRoute(deps(), new MemoryAudit()) as unknown as Route,
  claims,
  path: { caseId: 'uuid' },
  ids: () => ({ caseId: ids.caseId }),
  body,
});
const meetingsRoute = () =>
  H.meetings.meetingsRoute(meetingDeps(db.store, mailer) as never, new MemoryAudit()) as unknown as Route;
const directoryRoute = () =>
  H.directory.directoryApiRoute(
    {
      directoryStore: new DirectoryStore(db.table.client, db.table.tableName),
      directory: new DirectoryCache(db.store),
      now: () => NOW,
    },
    new MemoryAudit(),
  ) as unknown as Route;
const actionRoute = () => H.actionLink.handler as unknown as Route;

const SPECS: RouteSpec[] = [
  {
    routeKey: 'POST /referrals',
    route: () => H.referral.createReferralRoute(deps(), new MemoryAudit()) as unknown as Route,
    claims: police,
    wrongRole: ngo,
    body: () => ({
      valid: {
        region: 'korca',
        interviewDate: '2026-11-30',
        socialWorkerPresent: true,
        socialWorkerOrgId: 'ngo-vatra',
        person: { ...person, needs: ['shelter'] },
        consent: { given: true },
      },
      required: ['region', 'interviewDate', 'socialWorkerPresent', 'socialWorkerOrgId', 'person', 'consent'],
    }),
  },
  read('GET /cases/{caseId}', { path: { caseId: 'uuid' }, ids: () => ({ caseId: ids.caseId }) }),
  read('GET /cases', {
    badQuery: {
      status: ['BOGUS', 'accepted', ''],
      region: ['KORCA', '..', '\u0000'],
      limit: limits,
      cursor: cursors,
    },
  }),
  read('GET /cases/{caseId}/timeline', { path: { caseId: 'uuid' }, ids: () => ({ caseId: ids.caseId }) }),
  read('GET /cases/{caseId}/export', { path: { caseId: 'uuid' }, ids: () => ({ caseId: ids.caseId }) }),
  read('GET /cases/{caseId}/audit', {
    path: { caseId: 'uuid' },
    ids: () => ({ caseId: ids.caseId }),
    badQuery: { limit: limits, cursor: cursors },
  }),
  command('POST /cases/{caseId}/assignment', () => ({ valid: { orgId: 'ngo-iom' }, required: ['orgId'] })),
  command(
    'POST /cases/{caseId}/plan',
    () => ({ valid: { items: [{ service: 'shelter', orgId: 'ngo-vatra' }] }, required: ['items'] }),
    ngo,
  ),
  command('POST /cases/{caseId}/withdrawal', () => ({ valid: {}, required: [], optional: true }), police),
  command('POST /cases/{caseId}/profile-correction', () => ({
    valid: { version: 1, person: { riskLevel: 'medium' } },
    required: ['version', 'person'],
  })),
  command('POST /cases/{caseId}/transfer', () => ({
    valid: { orgId: 'ngo-iom', reason: 'capacity' },
    required: ['orgId', 'reason'],
  })),
  command('POST /cases/{caseId}/reopening', () => ({ valid: { reason: 'new-needs' }, required: ['reason'] })),
  command(
    'POST /cases/{caseId}/closure',
    () => ({ valid: { closure: 'CLOSED' }, required: ['closure'] }),
    ngo,
  ),
  {
    routeKey: 'GET /tasks',
    route: () => H.tasks.tasksApiRoute(deps(), new MemoryAudit()) as unknown as Route,
    claims: ngo,
    badQuery: {
      status: ['OPEN', 'bogus', ''],
      kind: ['offer', 'BOGUS', '__proto__'],
      mine: ['yes', '1', 'TRUE'],
      limit: limits,
      cursor: cursors,
    },
  },
  {
    routeKey: 'GET /tasks/{taskId}',
    route: () => H.tasks.tasksApiRoute(deps(), new MemoryAudit()) as unknown as Route,
    claims: ngo,
    path: { taskId: 'uuid' },
    ids: () => ({ taskId: ids.taskId }),
  },
  {
    routeKey: 'POST /tasks/{taskId}/completion',
    route: () => H.tasks.tasksApiRoute(deps(), new MemoryAudit()) as unknown as Route,
    claims: ngo,
    wrongRole: police,
    path: { taskId: 'uuid' },
    ids: () => ({ taskId: ids.taskId }),
    body: () => ({ valid: { needs: ['shelter'] }, required: ['needs'] }),
  },
  {
    routeKey: 'POST /tasks/{taskId}/deadline',
    route: () => H.tasks.tasksApiRoute(deps(), new MemoryAudit()) as unknown as Route,
    claims: coordinator,
    wrongRole: ngo,
    path: { taskId: 'uuid' },
    ids: () => ({ taskId: ids.taskId }),
    body: () => ({ valid: { dueAt: '2026-12-10T17:00:00+01:00' }, required: ['dueAt'] }),
  },
  {
    routeKey: 'GET /directory/organisations',
    route: directoryRoute,
    claims: admin,
    badQuery: {
      region: ['KORCA', '\u0000', '..'],
      kind: ['bogus', 'NGO'],
      includeInactive: ['yes', '1'],
      limit: limits,
      cursor: cursors,
    },
  },
  {
    routeKey: 'POST /directory/organisations',
    route: directoryRoute,
    claims: admin,
    wrongRole: police,
    body: () => ({
      valid: {
        orgId: 'ngo-new-one',
        name: 'OJF e re',
        kind: 'ngo',
        regions: ['korca'],
        services: ['legal'],
        capacity: 3,
        childProtection: false,
        contacts: [
          { name: 'Fokus', email: 'focal@new-one.example.org', language: 'sq', roles: ['focal-point'] },
        ],
      },
      required: ['orgId', 'name', 'kind', 'regions', 'services', 'capacity', 'childProtection', 'contacts'],
    }),
  },
  {
    routeKey: 'GET /directory/organisations/{orgId}',
    route: directoryRoute,
    claims: admin,
    path: { orgId: 'slug' },
    ids: () => ({ orgId: 'ngo-vatra' }),
  },
  {
    routeKey: 'PATCH /directory/organisations/{orgId}',
    route: directoryRoute,
    claims: admin,
    wrongRole: police,
    path: { orgId: 'slug' },
    ids: () => ({ orgId: 'ngo-vatra' }),
    body: () => ({ valid: { version: 1, name: 'Vatra' }, required: ['version'] }),
  },
  {
    routeKey: 'POST /directory/organisations/{orgId}/deactivation',
    route: directoryRoute,
    claims: admin,
    wrongRole: police,
    path: { orgId: 'slug' },
    ids: () => ({ orgId: 'ngo-amaro-drom' }),
    bodyIgnored: true,
  },
  {
    routeKey: 'GET /directory/organisations/{orgId}/history',
    route: directoryRoute,
    claims: admin,
    path: { orgId: 'slug' },
    ids: () => ({ orgId: 'ngo-vatra' }),
  },
  {
    routeKey: 'GET /meetings',
    route: meetingsRoute,
    claims: coordinator,
    badQuery: {
      region: ['KORCA', '\u0000'],
      from: ['2026-02-30', 'yesterday', '9999-99-99', '\u0000'],
      limit: limits,
      cursor: cursors,
    },
  },
  {
    routeKey: 'POST /meetings',
    route: meetingsRoute,
    claims: coordinator,
    wrongRole: ngo,
    body: () => ({ valid: meetingBody(), required: ['region', 'title', 'start', 'end', 'invite'] }),
  },
  {
    routeKey: 'GET /meetings/{meetingId}',
    route: meetingsRoute,
    claims: coordinator,
    path: { meetingId: 'uuid' },
    ids: () => ({ meetingId: ids.meetingId }),
  },
  {
    routeKey: 'PATCH /meetings/{meetingId}',
    route: meetingsRoute,
    claims: coordinator,
    wrongRole: ngo,
    path: { meetingId: 'uuid' },
    ids: () => ({ meetingId: ids.meetingId }),
    body: () => ({ valid: { version: 1, title: 'Këshilli, takimi i dytë' }, required: ['version'] }),
  },
  {
    routeKey: 'POST /meetings/{meetingId}/cancellation',
    route: meetingsRoute,
    claims: coordinator,
    wrongRole: ngo,
    path: { meetingId: 'uuid' },
    ids: () => ({ meetingId: ids.meetingId }),
    body: () => ({ valid: { version: 1 }, required: ['version'] }),
  },
  {
    routeKey: 'POST /meetings/{meetingId}/minutes',
    route: meetingsRoute,
    claims: coordinator,
    wrongRole: ngo,
    path: { meetingId: 'uuid' },
    ids: () => ({ meetingId: ids.meetingId }),
    body: () => ({ valid: { summary: 'Grupi shqyrtoi rastet.' }, required: ['summary'] }),
  },
  {
    routeKey: 'GET /stats',
    route: () => H.stats.statsRoute({ ...deps() }, new MemoryAudit()) as unknown as Route,
    claims: coordinator,
    badQuery: {
      year: ['20x6', '99999', '', '-2026', '2026 '],
      region: ['KORCA', '\u0000', '..'],
      format: ['xml', 'CSV', ''],
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

interface Request {
  readonly defect: string;
  readonly event: Record<string, unknown>;
}

function apiEvent(
  spec: RouteSpec,
  parts: {
    authorizer?: unknown;
    path?: Record<string, string>;
    query?: Record<string, string>;
    body?: { text: string; contentType?: string };
  },
): Record<string, unknown> {
  const method = spec.routeKey.split(' ')[0];
  return {
    version: '2.0',
    routeKey: spec.routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: parts.body ? { 'content-type': parts.body.contentType ?? 'application/json' } : {},
    ...(parts.query ? { queryStringParameters: parts.query } : {}),
    ...(parts.path ? { pathParameters: parts.path } : {}),
    ...(parts.body ? { body: parts.body.text } : {}),
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-fuzz',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fuzz' },
      ...(parts.authorizer === undefined ? {} : { authorizer: parts.authorizer }),
    },
  };
}

/** A request to `spec`'s route with at least one defect. */
function badRequest(spec: RouteSpec): fc.Arbitrary<Request> {
  const realPath = spec.ids?.();
  const bodySpec = spec.body
    ? { ...spec.body(), known: knownNames(...pathAndMethod(spec.routeKey)) }
    : undefined;
  const validBody = bodySpec ? { text: JSON.stringify(bodySpec.valid) } : undefined;
  const right = { jwt: { claims: spec.claims } };
  // Anything of a request, random: the caller may be right, the body may be valid or not.
  const anyBody = bodySpec
    ? fc.option(badBody(bodySpec), { nil: undefined }).map((b) => b ?? validBody)
    : fc.constant(undefined);
  const anyPath = spec.path
    ? fc.option(pathWith(spec, badId), { nil: undefined }).map((p) => p ?? realPath)
    : fc.constant(undefined);
  const anyQuery = spec.badQuery
    ? fc.option(queryOf(spec.badQuery), { nil: undefined })
    : fc.constant(undefined);
  const defects: fc.Arbitrary<Request>[] = [
    fc.tuple(badCaller, anyPath, anyQuery, anyBody).map(([c, path, query, body]) => ({
      defect: `caller: ${c.defect}`,
      event: apiEvent(spec, { authorizer: c.authorizer, ...opt({ path, query, body }) }),
    })),
  ];
  if (spec.wrongRole) {
    defects.push(
      fc.tuple(anyPath, anyBody).map(([path, body]) => ({
        defect: 'caller: wrong role',
        event: apiEvent(spec, { authorizer: { jwt: { claims: spec.wrongRole } }, ...opt({ path, body }) }),
      })),
    );
  }
  if (spec.path) {
    defects.push(
      fc.tuple(pathWith(spec, badId), anyBody).map(([path, body]) => ({
        defect: `path: ${JSON.stringify(path).slice(0, 80)}`,
        event: apiEvent(spec, { authorizer: right, path, ...opt({ body }) }),
      })),
    );
  }
  if (spec.badQuery) {
    defects.push(
      queryOf(spec.badQuery).map((query) => ({
        defect: `query: ${JSON.stringify(query).slice(0, 80)}`,
        event: apiEvent(spec, { authorizer: right, query, ...opt({ path: realPath }) }),
      })),
    );
  }
  if (bodySpec && !spec.bodyIgnored) {
    defects.push(
      badBody(bodySpec).map((body) => ({
        defect: `body: ${body.defect}`,
        event: apiEvent(spec, { authorizer: right, body, ...opt({ path: realPath }) }),
      })),
    );
  }
  return fc.oneof(...defects);
}

const opt = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function pathAndMethod(routeKey: string): [string, string] {
  const [method = '', path = ''] = routeKey.split(' ');
  return [path, method];
}

function pathWith(spec: RouteSpec, bad: (k: 'uuid' | 'slug') => fc.Arbitrary<string>) {
  const entries = Object.entries(spec.path ?? {});
  return fc
    .tuple(...entries.map(([, kind]) => bad(kind)))
    .map((values) => Object.fromEntries(entries.map(([name], i) => [name, values[i] as string])));
}

/** One to three malformed query values (some with a valid `limit`). */
function queryOf(bad: Record<string, readonly string[]>): fc.Arbitrary<Record<string, string>> {
  const names = Object.keys(bad);
  return fc
    .uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: Math.min(3, names.length) })
    .chain((chosen) =>
      fc
        .tuple(...chosen.map((n) => fc.constantFrom(...(bad[n] as string[]))))
        .map((values) => Object.fromEntries(chosen.map((n, i) => [n, values[i] as string]))),
    );
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

const recorded = () => ({
  outbox: mailer.sent.length,
  started: started.length,
  answered: answered.length,
  sfn: sfnCalls.length,
});

async function assertNothingWritten(
  before: { items: unknown; rec: ReturnType<typeof recorded> },
  items: () => Promise<unknown>,
  rec: () => ReturnType<typeof recorded>,
) {
  expect(rec()).toEqual(before.rec);
  expect(await items()).toEqual(before.items);
}

const params = (label: string): fc.Parameters<[Request]> => ({
  numRuns: NUM_RUNS,
  seed: SEED,
  endOnFailure: true,
  reporter: (out) => {
    if (out.failed) {
      throw new Error(
        `${label}: ${String(out.errorInstance).slice(0, 300)}\n${String(fc.defaultReportMessage(out)).slice(0, 3_000)}\n(seed ${SEED}; rerun with FUZZ_SEED=${SEED})`,
      );
    }
  },
});

const statusOf = (r: APIGatewayProxyStructuredResultV2 | undefined) => r?.statusCode ?? 200;
const timings: Record<string, number> = {};

beforeAll(async () => {
  db = await storeTable('fuzz', korcaDirectory());
  const seeded = await seedWorld(db.store, mailer);
  ids.meetingId = seeded.meetingId;
  ids.actionToken = seeded.token;
  ids.rsvpToken = seeded.rsvpToken;
  // The action-link handler builds its store at module scope from the environment: this table,
  // and an audit table of its own (the records of every look are not "written" here).
  process.env.TABLE_NAME = db.table.tableName;
  auditTable = await createTestTable('fuzz-audit');
  process.env.AUDIT_TABLE_NAME = auditTable.tableName;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = process.env[DYNAMODB_URL_ENV];
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  jest.spyOn(SFNClient.prototype, 'send').mockImplementation(async (command: unknown) => {
    sfnCalls.push(command);
    return {};
  });
  H = handlers();
}, 60_000);

afterAll(async () => {
  await auditTable?.drop();
  jest.restoreAllMocks();
  await dropStoreTables();
  console.log(`fuzz-routes: ${NUM_RUNS} runs per route, seed ${SEED}; ms per route:`, timings);
});

describe('every route of docs/openapi.json refuses bad input with a 4xx and writes nothing', () => {
  it('has a spec for every route of the document but the action links', () => {
    const documented = Object.entries(OPENAPI.paths as Record<string, Record<string, unknown>>).flatMap(
      ([p, ops]) =>
        Object.keys(ops)
          .filter((m) => m !== 'parameters')
          .map((m) => `${m.toUpperCase()} ${p}`),
    );
    const links = ACTION_SPECS.map((s) => s.routeKey);
    expect([...SPECS.map((s) => s.routeKey), ...links].sort()).toEqual(documented.sort());
  });

  it.each(SPECS.map((s) => [s.routeKey, s] as const))('%s', async (routeKey, spec) => {
    const t0 = Date.now();
    const route = spec.route();
    const before = { items: await db.items(), rec: recorded() };
    await fc.assert(
      fc.asyncProperty(badRequest(spec), async (req) => {
        const status = statusOf(await route(req.event, context));
        if (status < 400 || status >= 500) {
          throw new Error(`${req.defect}: answered ${status}`);
        }
      }),
      params(routeKey),
    );
    await assertNothingWritten(before, () => db.items(), recorded);
    timings[routeKey] = Date.now() - t0;
  });
});

// ---------------------------------------------------------------------------------------------
// The emailed links: /actions/{token} and /rsvp/{token}
// ---------------------------------------------------------------------------------------------

/** A token that is not the link's: random, truncated, extended, changed, blank or nasty. */
const badToken = (real: () => string) =>
  fc
    .oneof(
      fc.string({
        unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
        minLength: 1,
        maxLength: 64,
      }),
      fc.integer({ min: 1, max: 40 }).map((n) => real().slice(0, n)),
      nastyString.map((s) => real() + s),
      fc.integer({ min: 0, max: 40 }).map((i) => {
        const t = real();
        const c = t[i] === 'A' ? 'B' : 'A';
        return t.slice(0, i) + c + t.slice(i + 1);
      }),
      nastyString,
      fc.constantFrom('', ' ', '%00', '..', 'null'),
    )
    .filter((t) => t !== real());

const formText = fc.oneof(
  fc
    .array(
      fc.tuple(fc.constantFrom('decision', 'reason', 'answer', 'x', '__proto__', 'constructor'), nastyString),
      {
        maxLength: 4,
      },
    )
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.constantFrom(
    'decision=accept',
    'decision=decline&reason=Kapaciteti',
    'answer=accepted',
    'answer=declined',
  ),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc
    .integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 3 })
    .map((n) => `decision=accept&reason=${'x'.repeat(n)}`),
);

interface LinkSpec {
  readonly routeKey: string;
  readonly real: () => string;
}
const ACTION_SPECS: LinkSpec[] = ['GET', 'HEAD', 'POST'].flatMap((m) => [
  { routeKey: `${m} /actions/{token}`, real: () => ids.actionToken },
  { routeKey: `${m} /rsvp/{token}`, real: () => ids.rsvpToken || 'no-rsvp-token' },
]);

/** A bad link request: a token not the link's (any form), or the link's own with a form it cannot use. */
function badLinkRequest(spec: LinkSpec): fc.Arbitrary<Request> {
  const [method = 'GET'] = spec.routeKey.split(' ');
  const post = method === 'POST';
  const event = (token: string, form?: { text: string; contentType: string }, answer?: string) => ({
    version: '2.0',
    routeKey: spec.routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: form ? { 'content-type': form.contentType } : {},
    pathParameters: { token },
    ...(answer === undefined ? {} : { queryStringParameters: { answer } }),
    ...(form ? { body: form.text } : {}),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-fuzz', http: { method, path: '/', protocol: 'HTTP/1.1' } },
  });
  const contentType = fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/json',
    'text/plain',
    'multipart/form-data; boundary=x',
  );
  const form = fc.record({ text: formText, contentType });
  const answer = fc.option(fc.oneof(nastyString, fc.constantFrom('accepted', 'declined', 'maybe')), {
    nil: undefined,
  });
  const wrongToken = fc
    .tuple(badToken(spec.real), post ? form : fc.constant(undefined), answer)
    .map(([t, f, a]) => ({
      defect: `token ${JSON.stringify(t).slice(0, 60)}`,
      event: event(t, f, a),
    }));
  if (!post) return wrongToken;
  // The link's own token with a form that is no answer: nothing missing may be guessed.
  const unusable = fc
    .record({
      text: fc
        .array(fc.tuple(fc.constantFrom('decision', 'answer', 'reason', '__proto__'), nastyString), {
          maxLength: 3,
        })
        .map((pairs) => new URLSearchParams(pairs).toString()),
      contentType,
    })
    .map((f) => ({ defect: `own token, form ${f.text.slice(0, 60)}`, event: event(spec.real(), f) }));
  return fc.oneof(wrongToken, unusable);
}

describe('the emailed links refuse bad tokens and forms (4xx, never 5xx) and change nothing', () => {
  it.each(ACTION_SPECS.map((s) => [s.routeKey, s] as const))('%s', async (routeKey, spec) => {
    const t0 = Date.now();
    const route = actionRoute();
    const before = { items: await db.items(), rec: recorded() };
    await fc.assert(
      fc.asyncProperty(badLinkRequest(spec), async (req) => {
        const status = statusOf(await route(req.event, context));
        if (status < 400 || status >= 500) throw new Error(`${req.defect}: answered ${status}`);
      }),
      params(routeKey),
    );
    await assertNothingWritten(before, () => db.items(), recorded);
    timings[routeKey] = Date.now() - t0;
  });
});

// ---------------------------------------------------------------------------------------------
// The console's POST forms
// ---------------------------------------------------------------------------------------------

const FORM_FIELDS = [
  'region',
  'interviewDate',
  'socialWorkerPresent',
  'socialWorkerOrgId',
  'ageGroup',
  'gender',
  'nationality',
  'language',
  'needs',
  'riskLevel',
  'consentGiven',
  'consentLocalGovernment',
  'consentOrganisations',
  'preferredNgoId',
  'idempotencyKey',
  'orgId',
  'title',
  'agenda',
  'place',
  'start',
  'end',
  'emails',
  'recurrence',
  'series',
  'version',
  'summary',
  'decisions',
  'decision',
  'reason',
  'result',
  '__proto__',
  'constructor',
];

/** A form value: nasty, never a plain number (a version) nor a real id. */
const formValue = nastyString.filter((s) => !/^\s*\d+\s*$/.test(s) && s.length < 4_000);

interface ConsoleSpec {
  readonly path: () => string;
  readonly role: 'police' | 'coordinator' | 'ngo';
  readonly orgId: string;
  readonly email: string;
  /** A form of the route's fields that is valid (sign-out): only the edge's defects apply. */
  readonly anyFormIsValid?: boolean;
}

let world: ConsoleWorld;
const consoleIds = { meetingId: '' };
const CONSOLE_SPECS: Record<string, ConsoleSpec> = {
  'POST /console/referrals/new': {
    path: () => '/console/referrals/new',
    role: 'police',
    orgId: 'police-korca',
    email: 'antitrafficking@police-korca.example.org',
  },
  'POST /console/cases/{caseId}/assign': {
    path: () => `/console/cases/${ids.caseId}/assign`,
    role: 'coordinator',
    orgId: 'prefecture-korca',
    email: 'coordinator@prefecture-korca.example.org',
  },
  'POST /console/meetings/new': {
    path: () => '/console/meetings/new',
    role: 'coordinator',
    orgId: 'prefecture-korca',
    email: 'coordinator@prefecture-korca.example.org',
  },
  'POST /console/meetings/{meetingId}/cancellation': {
    path: () => `/console/meetings/${consoleIds.meetingId}/cancellation`,
    role: 'coordinator',
    orgId: 'prefecture-korca',
    email: 'coordinator@prefecture-korca.example.org',
  },
  'POST /console/meetings/{meetingId}/minutes': {
    path: () => `/console/meetings/${consoleIds.meetingId}/minutes`,
    role: 'coordinator',
    orgId: 'prefecture-korca',
    email: 'coordinator@prefecture-korca.example.org',
  },
  'POST /console/tasks/{taskId}': {
    path: () => `/console/tasks/${ids.taskId}`,
    role: 'ngo',
    orgId: 'ngo-vatra',
    email: 'focal.point@vatra.example.org',
  },
  'POST /console/sign-out': {
    path: () => '/console/sign-out',
    role: 'ngo',
    orgId: 'ngo-vatra',
    email: 'focal.point@vatra.example.org',
    anyFormIsValid: true,
  },
};

interface ConsoleRequestArgs {
  readonly defect: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly path?: string;
}

function badConsoleRequest(
  spec: ConsoleSpec,
  member: { sessionId: string; csrf: string },
  wrongRole: { sessionId: string; csrf: string },
): fc.Arbitrary<ConsoleRequestArgs> {
  const cookie = (sid: string) => [`__Host-bashke-session=${sid}`, '__Host-bashke-lang=en'];
  const fields = fc.array(fc.tuple(fc.constantFrom(...FORM_FIELDS), formValue), { maxLength: 6 });
  const formWith = (pairs: [string, string][], csrf?: string) => {
    const f = new URLSearchParams(pairs);
    if (csrf !== undefined) f.set('_csrf', csrf);
    return f.toString();
  };
  const formType = { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' };
  const badCsrf = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      '',
      ' ',
      member.csrf.slice(0, -1),
      `${member.csrf}x`,
      member.csrf.toUpperCase(),
      wrongRole.csrf,
    ),
    nastyString,
  );
  const defects: fc.Arbitrary<ConsoleRequestArgs>[] = [
    fc.tuple(fields, badCsrf).map(([pairs, csrf]) => ({
      defect: `csrf ${JSON.stringify(csrf)?.slice(0, 40)}`,
      cookies: cookie(member.sessionId),
      headers: formType,
      body: formWith(pairs, csrf),
    })),
    fc.tuple(fields, fc.constantFrom('cross-site', 'same-site', 'SAME-ORIGIN', '')).map(([pairs, site]) => ({
      defect: `sec-fetch-site ${site}`,
      cookies: cookie(member.sessionId),
      headers: { ...formType, 'sec-fetch-site': site },
      body: formWith(pairs, member.csrf),
    })),
    fc
      .tuple(
        fields,
        fc.constantFrom(
          'application/json',
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/xml',
        ),
      )
      .map(([pairs, type]) => ({
        defect: `content type ${type}`,
        cookies: cookie(member.sessionId),
        headers: { 'content-type': type, 'sec-fetch-site': 'same-origin' },
        body: formWith(pairs, member.csrf),
      })),
    fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 3 }).map((n) => ({
      defect: 'too large',
      cookies: cookie(member.sessionId),
      headers: formType,
      body: formWith([['summary', 'x'.repeat(n)]], member.csrf),
    })),
    ...(spec.anyFormIsValid
      ? []
      : [
          fields.map((pairs) => ({
            defect: 'wrong role',
            cookies: cookie(wrongRole.sessionId),
            headers: formType,
            body: formWith(pairs, wrongRole.csrf),
          })),
        ]),
    fc
      .tuple(
        fields,
        fc.oneof(
          fc.constant(randomSid()),
          nastyString.map((v) => Buffer.from(v).toString('base64url')),
        ),
      )
      .map(([pairs, sid]) => ({
        defect: 'unknown session',
        cookies: cookie(sid),
        headers: formType,
        body: formWith(pairs, member.csrf),
      })),
  ];
  if (!spec.anyFormIsValid) {
    defects.push(
      fields.map((pairs) => ({
        defect: `form ${formWith(pairs).slice(0, 80)}`,
        cookies: cookie(member.sessionId),
        headers: formType,
        body: formWith(pairs, member.csrf),
      })),
    );
  }
  if (spec.path().match(/[0-9a-f-]{36}/)) {
    defects.push(
      fc.tuple(fields, badId('uuid')).map(([pairs, id]) => ({
        defect: `path id ${JSON.stringify(id).slice(0, 40)}`,
        cookies: cookie(member.sessionId),
        headers: formType,
        body: formWith(pairs, member.csrf),
        path: spec.path().replace(/[0-9a-f-]{36}/, encodeURIComponent(id)),
      })),
    );
  }
  return fc.oneof(...defects);
}

const randomSid = () => 'A'.repeat(43);

describe('the console POST forms refuse bad input (4xx, or sign-in for no session) and write nothing', () => {
  let members: Record<string, { sessionId: string; csrf: string }>;

  beforeAll(async () => {
    world = await startConsoleWorld('fuzz-console');
    const seeded = await seedWorld(world.db.store, world.mailer);
    consoleIds.meetingId = seeded.meetingId;
    members = {
      police: await world.signIn('police', 'police-korca', 'antitrafficking@police-korca.example.org'),
      coordinator: await world.signIn(
        'coordinator',
        'prefecture-korca',
        'coordinator@prefecture-korca.example.org',
      ),
      ngo: await world.signIn('ngo', 'ngo-vatra', 'focal.point@vatra.example.org'),
      council: await world.signIn('council', 'university-korca', 'awareness@university-korca.example.org'),
    };
  }, 60_000);

  it.each(Object.entries(CONSOLE_SPECS))('%s', async (key, spec) => {
    const t0 = Date.now();
    const member = members[spec.role] as { sessionId: string; csrf: string };
    const wrong = members.council as { sessionId: string; csrf: string };
    const rec = () => ({
      outbox: world.mailer.sent.length,
      started: world.started.length,
      answered: world.answered.length,
      sfn: 0,
    });
    const before = { items: await world.db.items(), rec: rec() };
    await fc.assert(
      fc.asyncProperty(badConsoleRequest(spec, member, wrong), async (req) => {
        const res = await world.request({
          method: 'POST',
          path: req.path ?? spec.path(),
          ...(req.cookies ? { cookies: req.cookies } : {}),
          headers: req.headers,
          body: req.body,
        });
        const toSignIn = res.status === 303 && (res.location ?? '').startsWith('/console/sign-in');
        if (res.status >= 500 || (res.status < 400 && !toSignIn)) {
          throw new Error(`${req.defect}: answered ${res.status} ${res.location ?? ''}`);
        }
      }) as unknown as fc.IAsyncProperty<[Request]>,
      params(key),
    );
    await assertNothingWritten(before, () => world.db.items(), rec);
    timings[key] = Date.now() - t0;
  });
});

// ---------------------------------------------------------------------------------------------
// What the fuzzer found, as named regressions (the shrunk counterexamples)
// ---------------------------------------------------------------------------------------------

describe('regressions the fuzzer found', () => {
  const ask = async (spec: RouteSpec | undefined, query: Record<string, string>) => {
    if (!spec) throw new Error('no such route');
    const res = await spec.route()(
      apiEvent(spec, { authorizer: { jwt: { claims: spec.claims } }, query }),
      context,
    );
    return { status: statusOf(res), body: JSON.parse(String(res?.body)) as { errors?: unknown } };
  };
  const spec = (key: string) => SPECS.find((s) => s.routeKey === key);

  it.each(['GET /cases', 'GET /tasks', 'GET /directory/organisations', 'GET /meetings'])(
    '%s refuses a page size that is not decimal digits (limit=0x10 was 16)',
    async (key) => {
      for (const limit of ['0x10', '1e1', ' 5 ', '0b11', '+5', '5.0']) {
        const res = await ask(spec(key), { limit });
        expect({ limit, status: res.status }).toEqual({ limit, status: 400 });
        expect(res.body.errors).toEqual([expect.objectContaining({ path: '/query/limit' })]);
      }
      expect((await ask(spec(key), { limit: '5' })).status).toBe(200);
    },
  );

  it('GET /meetings refuses an impossible `from` (2026-02-30 was read as 2 March)', async () => {
    for (const from of ['2026-02-30', '1', '2026-12-01 10:00', 'Tue Dec 01 2026', '2026-02-30T00:00:00Z']) {
      const res = await ask(spec('GET /meetings'), { from });
      expect({ from, status: res.status }).toEqual({ from, status: 400 });
    }
    for (const from of ['2026-12-01', '2026-12-01T10:00:00Z', '2026-12-01T10:00:00+01:00']) {
      expect((await ask(spec('GET /meetings'), { from })).status).toBe(200);
    }
  });
});
