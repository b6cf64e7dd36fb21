import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { SFNServiceException } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { referralRequestSchema } from '../../shared/domain/referral';
import {
  ConflictError,
  ForbiddenError,
  GoneError,
  MalformedBodyError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/errors';
import { DeadlineError } from '../../shared/http/handler';
import { problemFor, problemResponse } from '../../shared/http/problem';
import { transientFailure } from '../../shared/http/transient';
import { fieldIssues, jsonPointer } from '../../shared/http/zod-issues';
import { referralRequest } from '../support/fixtures';

const REQUEST_ID = 'req-0f4c2a';
const CANARY = 'canary-91b7e3';

function parsedBody(response: ReturnType<typeof problemResponse>): Record<string, unknown> {
  if (typeof response !== 'object' || typeof response.body !== 'string')
    throw new Error('expected a structured response');
  return JSON.parse(response.body) as Record<string, unknown>;
}

describe('problemResponse', () => {
  it('answers a validation error with the problem shape and its field issues', () => {
    const error = new ValidationError([{ path: '/person/needs/0', code: 'invalid_value' }]);

    const response = problemResponse(error, REQUEST_ID);

    expect(response).toMatchObject({
      statusCode: 400,
      headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
    });
    expect(parsedBody(response)).toEqual({
      type: 'https://bashke.example.org/problems/400',
      title: 'The request is not valid',
      status: 400,
      requestId: REQUEST_ID,
      errors: [{ path: '/person/needs/0', code: 'invalid_value' }],
      detail: 'the request is not valid',
    });
  });

  it.each<[string, Error, number]>([
    ['MalformedBodyError', new MalformedBodyError('the body is not valid JSON'), 400],
    ['UnauthenticatedError', new UnauthenticatedError('no identity'), 401],
    ['ForbiddenError', new ForbiddenError('this role may not use this operation'), 403],
    ['NotFoundError', new NotFoundError('not found'), 404],
    ['ConflictError', new ConflictError('stale'), 409],
    ['GoneError', new GoneError('gone'), 410],
    ['PayloadTooLargeError', new PayloadTooLargeError('the body exceeds 16 KiB'), 413],
    ['UnsupportedMediaTypeError', new UnsupportedMediaTypeError('the body must be application/json'), 415],
    ['UnavailableError', new UnavailableError('try later'), 503],
  ])('maps %s to %i with no field issues', (_name, error, status) => {
    const body = parsedBody(problemResponse(error, REQUEST_ID));

    expect(body).toMatchObject({
      type: `https://bashke.example.org/problems/${status}`,
      status,
      requestId: REQUEST_ID,
      errors: [],
    });
    expect(typeof body.title).toBe('string');
  });

  it.each<[string, unknown]>([
    ['an Error', new Error(`connect ECONNREFUSED ${CANARY}`)],
    ['a TypeError', new TypeError(`Cannot read properties of undefined (reading '${CANARY}')`)],
    ['a thrown string', CANARY],
    ['undefined', undefined],
    ['an object with a status', { statusCode: 404, message: CANARY }],
  ])('answers %s with a generic 500 that holds no message', (_label, error) => {
    const response = problemResponse(error, REQUEST_ID);

    expect(response).toMatchObject({ statusCode: 500 });
    expect(parsedBody(response)).toEqual({
      type: 'https://bashke.example.org/problems/500',
      title: 'Internal error',
      status: 500,
      requestId: REQUEST_ID,
      errors: [],
    });
    expect(JSON.stringify(response)).not.toContain(CANARY);
  });

  it('maps a subclass of a domain error like its parent', () => {
    class StaleVersionError extends ConflictError {}

    expect(problemFor(new StaleVersionError('stale'), REQUEST_ID).problem.status).toBe(409);
  });
});

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: CANARY } });
const named = (name: string, extra: object = {}) =>
  Object.assign(new Error(`${CANARY} internals`), { name }, extra);
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled ${CANARY}`,
    ...meta(400),
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** Overload and timeouts as the AWS SDK, Node and middy raise them. */
const TRANSIENT: Array<[string, unknown, 'throttled' | 'timeout' | 'unavailable']> = [
  ['DynamoDB ThrottlingException', new ThrottlingException({ message: CANARY, ...meta(400) }), 'throttled'],
  [
    'ProvisionedThroughputExceededException',
    new ProvisionedThroughputExceededException({ message: CANARY, ...meta(400) }),
    'throttled',
  ],
  ['RequestLimitExceeded', new RequestLimitExceeded({ message: CANARY, ...meta(400) }), 'throttled'],
  [
    'TransactionConflictException',
    new TransactionConflictException({ message: CANARY, ...meta(400) }),
    'throttled',
  ],
  ['a transaction cancelled for throttling', cancelled('None', 'ThrottlingError', 'None'), 'throttled'],
  ['a transaction cancelled for a conflict', cancelled('TransactionConflict', 'None'), 'throttled'],
  [
    'a transaction cancelled for provisioned throughput',
    cancelled('ProvisionedThroughputExceeded', 'ThrottlingError'),
    'throttled',
  ],
  [
    'Step Functions throttling',
    new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', message: CANARY, ...meta(400) }),
    'throttled',
  ],
  ['Step Functions ExecutionLimitExceeded', named('ExecutionLimitExceeded', meta(400)), 'throttled'],
  ['any service error with status 429', named('SomethingNew', meta(429)), 'throttled'],
  [
    'an error the model marks throttling',
    named('SomethingNew', { $retryable: { throttling: true } }),
    'throttled',
  ],
  ['the SDK request timeout', named('TimeoutError', { code: 'ETIMEDOUT' }), 'timeout'],
  ['the SDK socket timeout', named('TimeoutError'), 'timeout'],
  ['a socket ETIMEDOUT', named('Error', { code: 'ETIMEDOUT' }), 'timeout'],
  ['a RequestTimeoutException', named('RequestTimeoutException', meta(408)), 'timeout'],
  ["middy's own early timeout", named('TimeoutError', { cause: { package: '@middy/core' } }), 'timeout'],
  ["the route's early timeout", new DeadlineError('the request ran out of time'), 'timeout'],
  ['a timeout wrapped in another error', new Error(CANARY, { cause: named('TimeoutError') }), 'timeout'],
  ['a connection reset', named('Error', { code: 'ECONNRESET' }), 'unavailable'],
  ['a refused connection', named('Error', { code: 'ECONNREFUSED' }), 'unavailable'],
  [
    'a DynamoDB InternalServerError',
    new InternalServerError({ message: CANARY, ...meta(500) }),
    'unavailable',
  ],
  ['a service 503', named('ServiceUnavailable', meta(503)), 'unavailable'],
  ['an error the model marks retryable', named('SomethingNew', { $retryable: {} }), 'unavailable'],
];

describe('overload and timeouts', () => {
  it.each(TRANSIENT)(
    'answers %s with 503, Retry-After and a problem without internals',
    (_label, error, reason) => {
      const response = problemResponse(error, REQUEST_ID);

      expect(transientFailure(error)?.reason).toBe(reason);
      expect(response).toMatchObject({
        statusCode: 503,
        headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
      });
      const retryAfter = typeof response === 'object' ? response.headers?.['Retry-After'] : undefined;
      expect(String(retryAfter)).toMatch(/^[1-9][0-9]*$/);
      expect(parsedBody(response)).toEqual({
        type: 'https://bashke.example.org/problems/503',
        title: 'Service unavailable',
        status: 503,
        requestId: REQUEST_ID,
        errors: [],
        detail: expect.stringContaining('Retry-After'),
      });
      const text = JSON.stringify(response);
      expect(text).not.toContain(CANARY);
      expect(text).not.toMatch(/dynamo|throttl|transaction|middy|ECONN|ETIMEDOUT/i);
    },
  );

  it('waits longer after a timeout than after throttling, and longest for a dropped connection', () => {
    const wait = (e: unknown) => transientFailure(e)?.retryAfterSeconds ?? 0;
    const throttled = wait(named('ThrottlingException'));
    const timeout = wait(named('TimeoutError'));
    const unavailable = wait(named('Error', { code: 'ECONNREFUSED' }));

    expect(throttled).toBeGreaterThan(0);
    expect(timeout).toBeGreaterThan(throttled);
    expect(unavailable).toBeGreaterThan(timeout);
  });

  it('gives the domain UnavailableError a Retry-After too', () => {
    const response = problemResponse(new UnavailableError('the reference counter is busy'), REQUEST_ID);

    expect(response).toMatchObject({ statusCode: 503, headers: { 'Retry-After': '1' } });
  });

  it.each<[string, unknown]>([
    ['a plain bug', new TypeError(`Cannot read properties of undefined (reading '${CANARY}')`)],
    [
      'a failed condition outside a transaction',
      new ConditionalCheckFailedException({ message: CANARY, ...meta(400) }),
    ],
    ['a transaction cancelled by a failed condition', cancelled('None', 'ConditionalCheckFailed')],
    [
      'a transaction cancelled by a condition and throttling',
      cancelled('ConditionalCheckFailed', 'ThrottlingError'),
    ],
    ['a transaction cancelled with no reasons', cancelled()],
    ['a validation error of the service', named('ValidationException', meta(400))],
    ['an unresolvable host name', named('Error', { code: 'ENOTFOUND' })],
    ['an aborted request', named('AbortError')],
    ['a bug message that mentions a timeout', new Error('TimeoutError: ETIMEDOUT')],
    ['a name that is not a string', { name: 42, code: ['ETIMEDOUT'] }],
  ])('still answers %s with the generic 500 and no Retry-After', (_label, error) => {
    const response = problemResponse(error, REQUEST_ID);

    expect(response).toMatchObject({ statusCode: 500 });
    expect(typeof response === 'object' ? response.headers?.['Retry-After'] : 'x').toBeUndefined();
    expect(parsedBody(response)).toEqual({
      type: 'https://bashke.example.org/problems/500',
      title: 'Internal error',
      status: 500,
      requestId: REQUEST_ID,
      errors: [],
    });
  });

  it('follows causes only a few levels deep', () => {
    let error: unknown = named('TimeoutError');
    for (let i = 0; i < 10; i++) error = new Error('wrapped', { cause: error });

    expect(problemFor(error, REQUEST_ID).problem.status).toBe(500);
  });
});

describe('jsonPointer', () => {
  it.each<[PropertyKey[], string]>([
    [[], ''],
    [['person'], '/person'],
    [['person', 'needs', 0], '/person/needs/0'],
    [['a/b'], '/a~1b'],
    [['m~n'], '/m~0n'],
    [['~1'], '/~01'],
    [['/~'], '/~1~0'],
    [[''], '/'],
  ])('writes %p as %p', (path, pointer) => {
    expect(jsonPointer(path)).toBe(pointer);
  });
});

describe('fieldIssues', () => {
  it('lists the JSON Pointer and the zod code of each issue', () => {
    const result = referralRequestSchema.safeParse({ ...referralRequest(), region: 7, consent: {} });
    if (result.success) throw new Error('expected a failure');

    expect(fieldIssues(result.error)).toEqual([
      { path: '/region', code: 'invalid_type' },
      { path: '/consent/given', code: 'invalid_type' },
    ]);
  });

  it('escapes keys in the path', () => {
    const schema = z.strictObject({ 'a/b': z.strictObject({ 'c~d': z.number() }) });
    const result = schema.safeParse({ 'a/b': { 'c~d': 'x' } });
    if (result.success) throw new Error('expected a failure');

    expect(fieldIssues(result.error)).toEqual([{ path: '/a~1b/c~0d', code: 'invalid_type' }]);
  });

  it('never names an unrecognized key, at any level', () => {
    const body = {
      ...referralRequest(),
      [CANARY]: 1,
      person: { ...referralRequest().person, [`${CANARY}-2`]: 2 },
    };
    const result = referralRequestSchema.safeParse(body);
    if (result.success) throw new Error('expected a failure');

    const issues = fieldIssues(result.error);
    const response = problemResponse(new ValidationError(issues), REQUEST_ID);

    expect(issues).toHaveLength(2);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '', code: 'unrecognized_keys' },
        { path: '/person', code: 'unrecognized_keys' },
      ]),
    );
    expect(JSON.stringify(response)).not.toContain(CANARY);
  });

  it('never echoes an input value', () => {
    const result = referralRequestSchema.safeParse({
      ...referralRequest(),
      region: CANARY,
      person: { ...referralRequest().person, nationality: CANARY, needs: [CANARY] },
    });
    if (result.success) throw new Error('expected a failure');

    const response = problemResponse(new ValidationError(fieldIssues(result.error)), REQUEST_ID);

    expect(JSON.stringify(response)).not.toContain(CANARY);
  });

  it('gives each issue only a path and a code', () => {
    const result = referralRequestSchema.safeParse({ ...referralRequest(), interviewDate: '2026-02-30' });
    if (result.success) throw new Error('expected a failure');

    for (const issue of fieldIssues(result.error))
      expect(Object.keys(issue).sort()).toEqual(['code', 'path']);
  });
});
