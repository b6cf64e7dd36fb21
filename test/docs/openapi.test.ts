import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod';
import { createReferral } from '../../functions/create-referral/create-referral';
import {
  ACTION_TOKEN_PATTERN,
  buildOpenApi,
  IDEMPOTENCY_KEY_PATTERN,
  type ProblemBody,
  problemSchema,
  rsvpFormSchema,
} from '../../scripts/openapi';
import { issueActionToken, isWellFormedToken } from '../../shared/domain/action-token';
import { MEETING_TASK_KINDS } from '../../shared/domain/task-kinds';
import {
  ConflictError,
  ForbiddenError,
  MalformedBodyError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/errors';
import { type Problem, problemFor } from '../../shared/http/problem';
import type { AgendaReviewRow, agendaReviewRowSchema } from '../../shared/meetings/agenda-review';
import type {
  CarriedOverView,
  carriedOverViewSchema,
  MeetingDetail,
  MeetingView,
  meetingDetailSchema,
  meetingViewSchema,
} from '../../shared/meetings/meetings';

const ROOT = join(__dirname, '..', '..');

/**
 * Every route of the JSON API the stack adds (infra/stacks/app-stack.ts), as `METHOD /path`:
 * the literal `addRoute` calls, and the case commands the stack adds in a loop. The web
 * console's routes (`/console`, `/console/{proxy+}`) are left out: they serve the console's
 * HTML pages to a browser with a session cookie, not a JSON API with a bearer token.
 */
function stackRoutes(): string[] {
  const source = readFileSync(join(ROOT, 'infra', 'stacks', 'app-stack.ts'), 'utf8');
  const commands = [
    ...(/for \(const command of \[([^\]]*)\]\)/.exec(source)?.[1] ?? '').matchAll(/'([^']+)'/g),
  ].map((m) => m[1] ?? '');
  const routes: string[] = [];
  for (const m of source.matchAll(/addRoute\(\s*[`']([^`']+)[`'],\s*\[([^\]]+)\]/g)) {
    const [, path = '', methods = ''] = m;
    const placeholder = /\$\{command\}/;
    if (path === '/console' || path.startsWith('/console/')) continue;
    const paths = placeholder.test(path) ? commands.map((c) => path.replace(placeholder, c)) : [path];
    for (const method of methods.matchAll(/HttpMethod\.([A-Z]+)/g))
      for (const p of paths) routes.push(`${method[1]} ${p}`);
  }
  return routes;
}

const FILE = join(ROOT, 'docs', 'openapi.json');

type Json = Record<string, unknown>;

/** The document as the script would write it now (JSON round trip drops undefined). */
function generated(): Json {
  return JSON.parse(JSON.stringify(buildOpenApi()));
}

function committed(): Json {
  return JSON.parse(readFileSync(FILE, 'utf8'));
}

/** Every `$ref` anywhere in a value. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

function at(doc: Json, path: readonly string[]): unknown {
  let node: unknown = doc;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Json)[segment];
  }
  return node;
}

function schemaRef(doc: Json, path: readonly string[]): string | undefined {
  const schema = at(doc, path) as { $ref?: string } | undefined;
  return schema?.$ref;
}

const c = (name: string) => `#/components/schemas/${name}`;

describe('docs/openapi.json', () => {
  it('is what `npm run openapi` generates from the current schemas', () => {
    // On failure: run `npm run openapi` and commit docs/openapi.json.
    expect(committed()).toEqual(generated());
  });

  it('is 2-space JSON ending with a newline', () => {
    const text = readFileSync(FILE, 'utf8');
    expect(text).toBe(`${JSON.stringify(committed(), null, 2)}\n`);
  });

  it('resolves every $ref to a component schema', () => {
    const doc = generated();
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const ref of all) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/);
      expect(at(doc, ref.slice(2).split('/'))).toBeDefined();
    }
  });

  it('declares OpenAPI 3.1 and the Cognito bearer scheme', () => {
    const doc = generated();
    expect(doc.openapi).toBe('3.1.0');
    expect(at(doc, ['components', 'securitySchemes', 'cognitoIdToken'])).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('describes POST /referrals with its body, Idempotency-Key, 201 and problem answers', () => {
    const doc = generated();
    const op = ['paths', '/referrals', 'post'];
    expect(at(doc, [...op, 'security'])).toEqual([{ cognitoIdToken: [] }]);
    expect(at(doc, [...op, 'parameters'])).toEqual([
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
    ]);
    expect(schemaRef(doc, [...op, 'requestBody', 'content', 'application/json', 'schema'])).toBe(
      c('ReferralRequest'),
    );
    expect(schemaRef(doc, [...op, 'responses', '201', 'content', 'application/json', 'schema'])).toBe(
      c('ReferralResponse'),
    );
    for (const status of ['400', '403', '409', '413', '415']) {
      expect(
        schemaRef(doc, [...op, 'responses', status, 'content', 'application/problem+json', 'schema']),
      ).toBe(c('Problem'));
    }
    expect(at(doc, [...op, 'responses', '401'])).toBeDefined();
  });

  it('describes GET /cases/{caseId} with the case view and 401/403/404', () => {
    const doc = generated();
    const op = ['paths', '/cases/{caseId}', 'get'];
    expect(at(doc, [...op, 'security'])).toEqual([{ cognitoIdToken: [] }]);
    expect(at(doc, [...op, 'responses', '200', 'content', 'application/json', 'schema', 'oneOf'])).toEqual([
      { $ref: c('CaseView') },
      { $ref: c('CoordinatorCaseView') },
    ]);
    for (const status of ['403', '404']) {
      expect(
        schemaRef(doc, [...op, 'responses', status, 'content', 'application/problem+json', 'schema']),
      ).toBe(c('Problem'));
    }
    expect(at(doc, [...op, 'responses', '401'])).toBeDefined();
  });

  it('describes the public action routes as HTML pages with the decision form', () => {
    const doc = generated();
    const path = ['paths', '/actions/{token}'];
    for (const method of ['get', 'head', 'post']) {
      expect(at(doc, [...path, method, 'security'])).toEqual([]);
      expect(at(doc, [...path, method, 'responses', '200'])).toBeDefined();
      expect(at(doc, [...path, method, 'responses', '410'])).toBeDefined();
    }
    expect(at(doc, [...path, 'get', 'responses', '200', 'content', 'text/html'])).toBeDefined();
    expect(at(doc, [...path, 'head', 'responses', '200', 'content'])).toBeUndefined();
    expect(at(doc, [...path, 'post', 'responses', '400', 'content', 'text/html'])).toBeDefined();
    expect(
      schemaRef(doc, [
        ...path,
        'post',
        'requestBody',
        'content',
        'application/x-www-form-urlencoded',
        'schema',
      ]),
    ).toBe(c('DecisionForm'));
  });

  it('documents every route the stack adds, and no other', () => {
    const doc = generated();
    const documented = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => k !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = stackRoutes();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes).toEqual(expect.arrayContaining(['GET /meetings', 'POST /rsvp/{token}']));
    expect([...documented].sort()).toEqual([...routes].sort());
  });

  it('describes the meetings routes with their bodies, views and conflicts', () => {
    const doc = generated();
    const op = (path: string, method: string) => ['paths', path, method];
    const body = (path: string, method: string) =>
      schemaRef(doc, [...op(path, method), 'requestBody', 'content', 'application/json', 'schema']);
    const ok = (path: string, method: string, status = '200') =>
      schemaRef(doc, [...op(path, method), 'responses', status, 'content', 'application/json', 'schema']);
    expect(body('/meetings', 'post')).toBe(c('CreateMeetingRequest'));
    expect(ok('/meetings', 'post', '201')).toBe(c('MeetingItems'));
    expect(ok('/meetings', 'get')).toBe(c('MeetingList'));
    expect(ok('/meetings/{meetingId}', 'get')).toBe(c('MeetingDetail'));
    expect(body('/meetings/{meetingId}', 'patch')).toBe(c('ChangeMeetingRequest'));
    expect(ok('/meetings/{meetingId}', 'patch')).toBe(c('MeetingView'));
    expect(body('/meetings/{meetingId}/cancellation', 'post')).toBe(c('CancelMeetingRequest'));
    expect(ok('/meetings/{meetingId}/cancellation', 'post')).toBe(c('MeetingItems'));
    expect(body('/meetings/{meetingId}/minutes', 'post')).toBe(c('MinutesOutcome'));
    for (const [path, method] of [
      ['/meetings', 'post'],
      ['/meetings/{meetingId}', 'patch'],
      ['/meetings/{meetingId}/cancellation', 'post'],
      ['/meetings/{meetingId}/minutes', 'post'],
    ] as const) {
      expect(at(doc, [...op(path, method), 'tags'])).toEqual(['meetings']);
      expect(at(doc, [...op(path, method), 'responses', '409'])).toBeDefined();
      expect(at(doc, [...op(path, method), 'responses', '403'])).toBeDefined();
    }
    // A defaulted field may be left out of a request.
    expect(at(doc, ['components', 'schemas', 'CreateMeetingRequest', 'required'])).toEqual([
      'region',
      'title',
      'start',
      'end',
      'invite',
    ]);
    expect(at(doc, ['components', 'schemas', 'MeetingDetail', 'additionalProperties'])).toBe(false);
  });

  it('describes the invitation answer link as a public page like the action link', () => {
    const doc = generated();
    const path = ['paths', '/rsvp/{token}'];
    for (const method of ['get', 'head', 'post']) {
      expect(at(doc, [...path, method, 'security'])).toEqual([]);
      expect(at(doc, [...path, method, 'tags'])).toEqual(['actions']);
      expect(at(doc, [...path, method, 'responses', '410'])).toBeDefined();
    }
    expect(
      schemaRef(doc, [
        ...path,
        'post',
        'requestBody',
        'content',
        'application/x-www-form-urlencoded',
        'schema',
      ]),
    ).toBe(c('RsvpForm'));
    expect(rsvpFormSchema.safeParse({ answer: 'declined' }).success).toBe(true);
    expect(rsvpFormSchema.safeParse({ answer: 'maybe' }).success).toBe(false);
  });

  it('lists the meeting task kinds on GET /tasks and their outcomes on the completion', () => {
    const doc = generated();
    const kinds = at(doc, ['paths', '/tasks', 'get', 'parameters']) as { name: string; schema: Json }[];
    expect(kinds.find((p) => p.name === 'kind')?.schema.enum).toEqual(
      expect.arrayContaining([...MEETING_TASK_KINDS]),
    );
    const outcomes = at(doc, [
      'paths',
      '/tasks/{taskId}/completion',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
      'oneOf',
    ]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { $ref: c('MinutesOutcome') },
        { $ref: c('ActionItemOutcome') },
        { $ref: c('PreventionOutcome') },
      ]),
    );
    expect(String(at(doc, ['paths', '/tasks', 'get', 'description']))).toMatch(/police, council/);
  });

  it('has a schema for each component the paths use, with its fields', () => {
    const doc = generated();
    const fields = (name: string) =>
      Object.keys((at(doc, ['components', 'schemas', name, 'properties']) as Json | undefined) ?? {});
    expect(fields('ReferralRequest')).toEqual(
      expect.arrayContaining(['region', 'interviewDate', 'socialWorkerOrgId', 'person', 'consent']),
    );
    expect(fields('ReferralResponse')).toEqual(['caseId', 'reference', 'status']);
    expect(fields('CaseView')).toEqual(expect.arrayContaining(['caseId', 'status', 'person', 'version']));
    expect(fields('Problem')).toEqual(['type', 'title', 'status', 'requestId', 'errors', 'detail']);
    expect(at(doc, ['components', 'schemas', 'DecisionForm', 'oneOf'])).toHaveLength(2);
    expect(at(doc, ['components', 'schemas', 'ReferralRequest', 'properties', 'interviewDate'])).toEqual({
      type: 'string',
      format: 'date',
    });
  });
});

describe('the documented rules the code keeps private', () => {
  const police = { sub: 'officer-1', orgId: 'police-korca', role: 'police' as const };
  const deps = {
    store: {
      getRegion: async () => undefined,
      getOrganisation: async () => undefined,
      nextCounter: async () => 1,
      getIdempotency: async () => undefined,
      createReferral: async () => 'created' as const,
    },
    workflow: { start: async () => undefined },
    now: () => new Date('2026-11-27T09:00:00.000Z'),
    timeZone: 'Europe/Tirane',
    interviewMaxAgeDays: 30,
  };

  /** Whether createReferral complains about the key (an empty body fails anyway, before any read). */
  async function keyRefused(key: string): Promise<boolean> {
    try {
      await createReferral(deps, { caller: police, idempotencyKey: key, body: {} });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return error.issues.some((i) => i.path === '/headers/idempotency-key');
    }
    throw new Error('expected a validation error');
  }

  it.each(['abcdefgh', 'A1_-b2c3', 'x'.repeat(128), 'abcdefg', 'x'.repeat(129), 'abc def gh', 'abcdefgh!'])(
    'documents the Idempotency-Key rule as createReferral applies it (%s)',
    async (key) => {
      expect(await keyRefused(key)).toBe(!new RegExp(IDEMPOTENCY_KEY_PATTERN).test(key));
    },
  );

  it('documents the action token shape as the link checks it', () => {
    const pattern = new RegExp(ACTION_TOKEN_PATTERN);
    const { token } = issueActionToken();
    for (const candidate of [token, token.slice(1), `${token}A`, `${token.slice(1)}=`, 'A'.repeat(43)]) {
      expect(pattern.test(candidate)).toBe(isWellFormedToken(candidate));
    }
  });

  it.each([
    [new ValidationError([{ path: '/region', code: 'invalid_format' }]), 400],
    [new MalformedBodyError('the body is not valid JSON'), 400],
    [new ForbiddenError('no'), 403],
    [new NotFoundError('no such case'), 404],
    [new ConflictError('used'), 409],
    [new PayloadTooLargeError('large'), 413],
    [new UnsupportedMediaTypeError('json'), 415],
    [new Error('boom'), 500],
  ])('describes the problem body the edge writes (%s)', (error, status) => {
    const { problem } = problemFor(error, 'req-1');
    expect(problem.status).toBe(status);
    expect(problemSchema.parse(problem)).toEqual(problem);
  });

  it('keeps the Problem schema and the Problem type in step', () => {
    const fromType: Problem = { type: 't', title: 't', status: 400, requestId: 'r', errors: [] };
    const asSchema: ProblemBody = fromType;
    const back: Problem = asSchema;
    expect(back).toBe(fromType);
  });
});

/**
 * The response schemas describe the views' interfaces: every value a schema accepts is a value
 * of the interface (checked here by the compiler); test/store/access-matrix.test.ts parses what
 * the routes answer with the strict schemas, so the views hold no field the schemas lack.
 */
type Fits<Schema extends z.ZodType, View> = z.infer<Schema> extends View ? true : false;
const fits: [
  Fits<typeof meetingViewSchema, MeetingView>,
  Fits<typeof meetingDetailSchema, MeetingDetail>,
  Fits<typeof carriedOverViewSchema, CarriedOverView>,
  Fits<typeof agendaReviewRowSchema, AgendaReviewRow>,
] = [true, true, true, true];

describe('the meeting views', () => {
  it('are described by their schemas', () => {
    expect(fits).toEqual([true, true, true, true]);
  });
});
