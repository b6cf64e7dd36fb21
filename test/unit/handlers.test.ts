import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { keys } from '../../shared/data/keys';
import { hashActionToken, issueActionToken } from '../../shared/domain/action-token';
import { EARLY_TIMEOUT_MS } from '../../shared/http/handler';
import { calendarDate } from '../../shared/util/time';
import { apiRequest } from '../support/api-event';
import { directory, referralRequest } from '../support/fixtures';

process.env.TABLE_NAME = 'table';
process.env.AUDIT_TABLE_NAME = 'audit';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:111111111111:stateMachine:referral';
process.env.TIME_ZONE = 'Europe/Tirane';
process.env.INTERVIEW_MAX_AGE_DAYS = '30';
process.env.AWS_REGION = 'eu-central-1';
// The task clock the house construct gives task functions: the default deadlines, no holidays.
process.env.DEADLINES = '{}';
process.env.HOLIDAYS = '';
process.env.REMINDERS = '{}';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
// Handlers read their environment at load: import them after it is set.
const actionLink = require('../../functions/action-link/handler').handler as Handler;
const createReferral = require('../../functions/create-referral/handler').handler as Handler;
const getCase = require('../../functions/read-cases/handler').handler as Handler;

const context = {
  awsRequestId: 'req-123',
  functionName: 'f',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function event(
  method: string,
  routeKey: string,
  extra: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  return apiRequest(method, routeKey, undefined, extra as Partial<APIGatewayProxyEventV2WithJWTAuthorizer>);
}

const policeClaims = {
  sub: 'officer-1',
  token_use: 'id',
  'custom:orgId': 'police-korce',
  'cognito:groups': '[police]',
  email: 'officer@police.example.org',
};

function withClaims(e: APIGatewayProxyEventV2, claims: Record<string, string>) {
  return {
    ...e,
    requestContext: { ...e.requestContext, authorizer: { jwt: { claims, scopes: [] } } },
  } as APIGatewayProxyEventV2;
}

/** Puts to the audit table: every request leaves its record there (shared/audit/edge.ts). */
const auditPuts = () =>
  ddb.commandCalls(PutCommand).filter((c) => c.args[0].input.TableName === process.env.AUDIT_TABLE_NAME);
/** Writes to the case data: the audit table's records are not "written" in this sense. */
const writes = () =>
  ddb.commandCalls(PutCommand).length -
  auditPuts().length +
  ddb.commandCalls(UpdateCommand).length +
  ddb.commandCalls(DeleteCommand).length +
  ddb.commandCalls(TransactWriteCommand).length;

/** Captures everything written to stdout and stderr while `fn` runs, every log level on. */
async function captureOutput(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const logLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'DEBUG';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const spy = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  process.stdout.write = spy as typeof process.stdout.write;
  process.stderr.write = spy as typeof process.stderr.write;
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => chunks.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a) => chunks.push(a.join(' ')));
  const warn = jest.spyOn(console, 'warn').mockImplementation((...a) => chunks.push(a.join(' ')));
  const info = jest.spyOn(console, 'info').mockImplementation((...a) => chunks.push(a.join(' ')));
  try {
    await fn();
  } finally {
    if (logLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = logLevel;
    process.stdout.write = out;
    process.stderr.write = err;
    for (const s of [log, error, warn, info]) s.mockRestore();
  }
  return chunks.join('');
}

/** The directory entries a route reads: the officer's organisation, the region, the social worker's NGO. */
function arrangeDirectory() {
  const { regions, organisations } = directory();
  for (const org of organisations) {
    ddb
      .on(GetCommand, { Key: keys.org(org.orgId) })
      .resolves({ Item: { ...keys.org(org.orgId), ...org, openOffers: 0 } });
  }
  for (const region of regions) {
    ddb
      .on(GetCommand, { Key: keys.region(region.regionId) })
      .resolves({ Item: { ...keys.region(region.regionId), ...region } });
  }
}

function referralEvent(claims: Record<string, string> = policeClaims, key = 'key-00000001') {
  return withClaims(
    event('POST', 'POST /referrals', {
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      // Interviewed today: the handler reads the real clock.
      body: JSON.stringify({
        ...referralRequest(),
        interviewDate: calendarDate(new Date(), 'Europe/Tirane'),
      }),
    }),
    claims,
  );
}

const header = (res: APIGatewayProxyStructuredResultV2, name: string) => res.headers?.[name];

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  ddb.on(GetCommand).resolves({});
  arrangeDirectory();
});

describe('action-link handler', () => {
  const { token, hash } = issueActionToken();
  const taskId = '7a1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
  const caseId = '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
  const org = { ...directory().organisations[2], openOffers: 1 };

  function arrange() {
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: keys.action(hash) }).resolves({
      Item: { ...keys.action(hash), hash, taskId, expiresAt: '2999-01-01T00:00:00.000Z' },
    });
    ddb.on(GetCommand, { Key: keys.task(taskId) }).resolves({
      Item: {
        ...keys.task(taskId),
        taskId,
        kind: 'OFFER',
        caseId,
        orgId: org?.orgId,
        status: 'OPEN',
        reason: 'PREFERRED',
        createdAt: '2026-01-01T00:00:00.000Z',
        actionHash: hash,
        sfnTaskToken: 'sfn-token',
      },
    });
    ddb.on(GetCommand, { Key: keys.case(caseId) }).resolves({
      Item: {
        ...keys.case(caseId),
        caseId,
        reference: 'KOR-2026-0001',
        region: 'korce',
        person: referralRequest().person,
      },
    });
    ddb
      .on(GetCommand, { Key: keys.org(org?.orgId ?? '') })
      .resolves({ Item: { ...keys.org(org?.orgId ?? ''), ...org } });
    ddb.on(TransactWriteCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
  }

  const path = (t: string) => ({ pathParameters: { token: t } });

  it('answers GET and HEAD with the page and sends no write command', async () => {
    arrange();
    const get = await actionLink(event('GET', 'GET /actions/{token}', path(token)), context);
    const head = await actionLink(event('HEAD', 'HEAD /actions/{token}', path(token)), context);
    expect(get.statusCode).toBe(200);
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(writes()).toBe(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('reads a base64-encoded form on POST and acts once', async () => {
    arrange();
    const body = Buffer.from('decision=accept').toString('base64');
    const res = await actionLink(
      event('POST', 'POST /actions/{token}', {
        ...path(token),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        isBase64Encoded: true,
      }),
      context,
    );
    expect(res.statusCode).toBe(200);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(JSON.parse(sent?.output ?? '{}')).toEqual({ result: 'accept', taskId });
  });

  it('answers overload on POST with a 503 text page and Retry-After, not 500', async () => {
    arrange();
    ddb
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('internal detail'), { name: 'TransactionConflictException' }));

    const res = await actionLink(
      event('POST', 'POST /actions/{token}', {
        ...path(token),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'decision=accept',
      }),
      context,
    );

    expect(res.statusCode).toBe(503);
    expect(header(res, 'Retry-After')).toBe('1');
    expect(header(res, 'Cache-Control')).toBe('no-store');
    expect(String(res.body)).toContain('req-123');
    expect(String(res.body)).not.toContain('internal detail');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('still answers a plain bug with the 500 text page and no Retry-After', async () => {
    arrange();
    ddb.on(GetCommand, { Key: keys.action(hash) }).rejects(new TypeError('a bug'));

    const res = await actionLink(event('GET', 'GET /actions/{token}', path(token)), context);

    expect(res.statusCode).toBe(500);
    expect(header(res, 'Retry-After')).toBeUndefined();
  });

  it('gives an unknown token the 410 page, identical on GET and POST but for the request id', async () => {
    arrange();
    const other = issueActionToken().token;
    expect(hashActionToken(other)).not.toBe(hash);
    const get = await actionLink(event('GET', 'GET /actions/{token}', path(other)), context);
    const post = await actionLink(
      event('POST', 'POST /actions/{token}', {
        ...path(other),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'decision=accept',
      }),
      { ...context, awsRequestId: 'req-456' },
    );
    expect(get.statusCode).toBe(410);
    expect(post.statusCode).toBe(410);
    expect(String(post.body).replace('req-456', 'req-123')).toBe(get.body);
    expect(writes()).toBe(0);
  });
});

describe('create-referral handler', () => {
  it('answers malformed JSON with problem+json 400 and prints no byte of the body', async () => {
    const canary = 'CANARY-7f3a9e';
    let res: APIGatewayProxyStructuredResultV2 | undefined;
    const output = await captureOutput(async () => {
      res = await createReferral(
        withClaims(
          event('POST', 'POST /referrals', {
            headers: { 'content-type': 'application/json', 'idempotency-key': 'key-00000001' },
            body: `{"region": "${canary}", `,
          }),
          policeClaims,
        ),
        context,
      );
    });
    expect(res?.statusCode).toBe(400);
    expect(res?.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(String(res?.body))).toEqual({
      type: expect.any(String),
      title: expect.any(String),
      status: 400,
      requestId: 'req-123',
      errors: [],
      detail: expect.any(String),
    });
    // The failure was logged (so the capture saw the logger), without the body.
    expect(output).toContain('"error":"MalformedBodyError"');
    expect(output).not.toContain(canary);
    expect(String(res?.body)).not.toContain(canary);
    expect(writes()).toBe(0);
  });

  it('lists field paths and zod codes, echoing no values or unknown key names', async () => {
    ddb.on(GetCommand).resolves({});
    const body = { ...referralRequest(), region: 'CANARY-VALUE', 'CANARY-KEY': 1 };
    const res = await createReferral(
      withClaims(
        event('POST', 'POST /referrals', {
          headers: { 'content-type': 'application/json', 'idempotency-key': 'key-00000001' },
          body: JSON.stringify(body),
        }),
        policeClaims,
      ),
      context,
    );
    expect(res.statusCode).toBe(400);
    const problem = JSON.parse(String(res.body));
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: '/region', code: 'invalid_format' },
        { path: '', code: 'unrecognized_keys' },
      ]),
    );
    expect(String(res.body)).not.toContain('CANARY');
    expect(writes()).toBe(0);
  });

  it.each([
    { label: 'a wrong content type with 415', type: 'text/plain', body: 'x', status: 415 },
    {
      label: 'a body over 16 KiB with 413',
      type: 'application/json',
      body: JSON.stringify({ pad: 'x'.repeat(17 * 1024) }),
      status: 413,
    },
  ])('answers $label and writes nothing', async ({ type, body, status }) => {
    const res = await createReferral(
      withClaims(event('POST', 'POST /referrals', { headers: { 'content-type': type }, body }), policeClaims),
      context,
    );
    expect(res.statusCode).toBe(status);
    expect(writes()).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 403 to a token whose organisation is not in the directory, and writes nothing', async () => {
    const res = await createReferral(
      referralEvent({ ...policeClaims, 'custom:orgId': 'police-nowhere' }),
      context,
    );

    expect(res.statusCode).toBe(403);
    expect(JSON.parse(String(res.body))).toMatchObject({ status: 403, requestId: 'req-123' });
    expect(writes()).toBe(0);
    // The refusal itself is recorded, under the member the token names.
    expect(auditPuts().map((c) => c.args[0].input.Item)).toEqual([
      expect.objectContaining({
        action: 'POST /referrals',
        result: 'denied',
        status: 403,
        actor: { kind: 'member', sub: 'officer-1', role: 'police', orgId: 'police-nowhere' },
      }),
    ]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers a throttled table with 503 and Retry-After, not 500, and writes nothing', async () => {
    // The reference counter is the intake's first write: throttled there, nothing else is tried.
    ddb
      .on(UpdateCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));

    const res = await createReferral(referralEvent(policeClaims, 'key-00000002'), context);

    expect(res.statusCode).toBe(503);
    expect(header(res, 'Retry-After')).toBe('1');
    expect(header(res, 'Content-Type')).toBe('application/problem+json');
    expect(String(res.body)).not.toMatch(/Rate exceeded|Throttling/);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers an SDK timeout of the intake write with 503 and Retry-After, not 500', async () => {
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    ddb.on(TransactWriteCommand).rejects(timeout);
    ddb.on(UpdateCommand).rejects(timeout);
    ddb.on(PutCommand).rejects(timeout);

    const res = await createReferral(referralEvent(), context);

    expect(res.statusCode).toBe(503);
    expect(header(res, 'Retry-After')).toBe('2');
    expect(String(res.body)).not.toContain('socket');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('counts the referral it created in one Referrals line, with nothing of the case in it', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({ Attributes: { value: 42 } });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution' });
    let res: APIGatewayProxyStructuredResultV2 | undefined;
    const output = await captureOutput(async () => {
      res = await createReferral(referralEvent(), context);
    });
    expect(res?.statusCode).toBe(201);
    const { caseId, reference } = JSON.parse(String(res?.body)) as { caseId: string; reference: string };
    const metricLines = output
      .split('\n')
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(metricLines).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Bashke',
              Dimensions: [['service']],
              Metrics: [{ Name: 'Referrals', Unit: 'Count' }],
            },
          ],
        },
        service: 'bashke',
        Referrals: 1,
      },
    ]);
    for (const canary of [caseId, reference, policeClaims.email, policeClaims.sub]) {
      expect(metricLines[0] && JSON.stringify(metricLines[0])).not.toContain(canary);
    }
  });

  it('answers a throttled workflow start with 503 and Retry-After', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({ Attributes: { value: 1 } });
    ddb.on(PutCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const res = await createReferral(referralEvent(), context);

    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(res.statusCode).toBe(503);
    expect(header(res, 'Retry-After')).toBe('1');
  });

  it('answers 503 with Retry-After when the function is about to run out of time', async () => {
    // Its own organisation id: the lookup never settles, and the directory cache keeps it.
    const slow = { ...policeClaims, 'custom:orgId': 'police-slow' };
    ddb.on(GetCommand, { Key: keys.org('police-slow') }).callsFake(() => new Promise(() => {}));
    const remaining = EARLY_TIMEOUT_MS + 50;
    const started = Date.now();

    const res = await createReferral(referralEvent(slow), {
      ...context,
      getRemainingTimeInMillis: () => remaining,
    });

    expect(Date.now() - started).toBeLessThan(remaining);
    expect(res.statusCode).toBe(503);
    expect(header(res, 'Retry-After')).toBe('2');
    expect(JSON.parse(String(res.body))).toMatchObject({ status: 503, requestId: 'req-123' });
    expect(writes()).toBe(0);
  });

  it('answers 403 for a token without an organisation or role', async () => {
    const res = await createReferral(
      withClaims(
        event('POST', 'POST /referrals', { headers: { 'content-type': 'application/json' }, body: '{}' }),
        {
          sub: 'x',
          token_use: 'id',
        },
      ),
      context,
    );
    expect(res.statusCode).toBe(403);
  });
});

describe('get-case handler', () => {
  const caseRoute = (claims: Record<string, string>) =>
    withClaims(
      event('GET', 'GET /cases/{caseId}', {
        pathParameters: { caseId: '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b' },
      }),
      claims,
    );

  it('answers 403 to a token whose organisation is not in the directory', async () => {
    const res = await getCase(caseRoute({ ...policeClaims, 'custom:orgId': 'police-nowhere' }), context);

    expect(res.statusCode).toBe(403);
  });

  it('answers a throttled case read with 503 and Retry-After', async () => {
    ddb
      .on(GetCommand, { Key: keys.case('6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b') })
      .rejects(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' }));

    const res = await getCase(caseRoute(policeClaims), context);

    expect(res.statusCode).toBe(503);
    expect(header(res, 'Retry-After')).toBe('1');
  });

  it('answers a malformed case id like an unknown one: 404', async () => {
    const a = await getCase(
      withClaims(event('GET', 'GET /cases/{caseId}', { pathParameters: { caseId: 'nope' } }), policeClaims),
      context,
    );
    const b = await getCase(
      withClaims(
        event('GET', 'GET /cases/{caseId}', {
          pathParameters: { caseId: '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b' },
        }),
        policeClaims,
      ),
      context,
    );
    expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
    expect(JSON.parse(String(a.body)).title).toBe(JSON.parse(String(b.body)).title);
  });
});
