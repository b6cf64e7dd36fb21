import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../shared/errors';
import {
  bodyText,
  formBody,
  headerValue,
  jsonBody,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
} from '../../shared/http/body';

const CANARY = 'canary-5d1e0b-Jane-Doe';

function event(body: string | undefined, headers: Record<string, string> = {}, isBase64Encoded = false) {
  return {
    version: '2.0',
    routeKey: 'POST /referrals',
    rawPath: '/referrals',
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded,
    requestContext: {},
  } as unknown as APIGatewayProxyEventV2;
}

const json = (body: string | undefined, isBase64Encoded = false) =>
  event(body, { 'content-type': 'application/json' }, isBase64Encoded);

/** Everything an error exposes to a logger: message, stack, own properties, cause. */
function everything(error: unknown): string {
  const e = error as Error;
  return [
    e.message,
    e.stack,
    JSON.stringify(e),
    JSON.stringify(Object.getOwnPropertyNames(e)),
    String(e.cause),
  ].join('\n');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('jsonBody', () => {
  it('parses a JSON body', () => {
    expect(jsonBody(json('{"a":[1,{"b":null}]}'))).toEqual({ a: [1, { b: null }] });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/json ;charset=UTF-8',
    'application/problem+json',
  ])('accepts the content type %p', (type) => {
    expect(jsonBody(event('{}', { 'Content-Type': type }))).toEqual({});
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonp',
    'application/json-seq',
    'text/json',
    'application/xml',
    '',
  ])('refuses the content type %p with UnsupportedMediaTypeError', (type) => {
    expect(() => jsonBody(event('{}', { 'content-type': type }))).toThrow(UnsupportedMediaTypeError);
  });

  it('refuses a body without a content type', () => {
    expect(() => jsonBody(event('{}'))).toThrow(UnsupportedMediaTypeError);
  });

  it('checks the content type before reading the body', () => {
    const tooLarge = 'x'.repeat(MAX_BODY_BYTES + 1);

    expect(() => jsonBody(event(tooLarge, { 'content-type': 'text/plain' }))).toThrow(
      UnsupportedMediaTypeError,
    );
  });

  it('reads a base64-encoded body', () => {
    const encoded = Buffer.from('{"region":"korce"}').toString('base64');

    expect(jsonBody(json(encoded, true))).toEqual({ region: 'korce' });
  });

  it.each([
    ['a truncated object', `{"name":"${CANARY}"`],
    ['single quotes', `{'name':'${CANARY}'}`],
    ['a trailing comma', `{"name":"${CANARY}",}`],
    ['bare text', CANARY],
    ['two documents', `{"a":1}{"name":"${CANARY}"}`],
  ])('throws MalformedBodyError for %s without the body in the error', (_label, body) => {
    const error = thrown(() => jsonBody(json(body)));

    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(everything(error)).not.toContain(CANARY);
  });

  it.each([
    ['an empty body', ''],
    ['a missing body', undefined],
    ['whitespace', '  \n'],
  ])('throws MalformedBodyError for %s', (_label, body) => {
    expect(() => jsonBody(json(body))).toThrow(MalformedBodyError);
  });

  it('accepts nesting at the limit', () => {
    const body = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;

    expect(() => jsonBody(json(body))).not.toThrow();
  });

  it('refuses nesting one level past the limit', () => {
    const body = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;

    expect(() => jsonBody(json(body))).toThrow(MalformedBodyError);
  });

  it('refuses deep object nesting that fills the size limit, without the body in the error', () => {
    const levels = 1500;
    const body = `${'{"a":'.repeat(levels)}"${CANARY}"${'}'.repeat(levels)}`;

    const error = thrown(() => jsonBody(json(body)));

    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(everything(error)).not.toContain(CANARY);
  });

  it('refuses a body over 16 KiB with PayloadTooLargeError', () => {
    const body = JSON.stringify({ text: 'x'.repeat(MAX_BODY_BYTES) });

    expect(() => jsonBody(json(body))).toThrow(PayloadTooLargeError);
  });

  it('refuses a megabyte string', () => {
    const body = JSON.stringify({ text: 'x'.repeat(1024 * 1024) });

    expect(() => jsonBody(json(body))).toThrow(PayloadTooLargeError);
  });

  it('refuses a huge array by its size', () => {
    const body = JSON.stringify(new Array(20_000).fill(0));

    expect(() => jsonBody(json(body))).toThrow(PayloadTooLargeError);
  });

  it('keeps an own __proto__ key as data without touching prototypes', () => {
    const parsed = jsonBody(json('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;

    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bodyText', () => {
  it('accepts exactly 16 KiB', () => {
    expect(bodyText(json('x'.repeat(MAX_BODY_BYTES)))).toHaveLength(MAX_BODY_BYTES);
  });

  it('counts bytes, not characters', () => {
    // 'ë' is two bytes in UTF-8: half as many characters reach the limit.
    const body = 'ë'.repeat(MAX_BODY_BYTES / 2 + 1);

    expect(() => bodyText(json(body))).toThrow(PayloadTooLargeError);
  });

  it('measures a base64-encoded body after decoding', () => {
    const atLimit = Buffer.alloc(MAX_BODY_BYTES, 0x61).toString('base64');
    const overLimit = Buffer.alloc(MAX_BODY_BYTES + 1, 0x61).toString('base64');

    expect(atLimit.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(bodyText(json(atLimit, true))).toHaveLength(MAX_BODY_BYTES);
    expect(() => bodyText(json(overLimit, true))).toThrow(PayloadTooLargeError);
  });

  it('does not put the body in the size error', () => {
    const error = thrown(() => bodyText(json(CANARY.repeat(2000))));

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(everything(error)).not.toContain(CANARY);
  });

  it('reads a missing body as empty', () => {
    expect(bodyText(json(undefined))).toBe('');
  });
});

describe('formBody', () => {
  const form = (body: string, isBase64Encoded = false) =>
    event(body, { 'Content-Type': 'application/x-www-form-urlencoded' }, isBase64Encoded);

  it('parses a form body', () => {
    expect(Object.fromEntries(formBody(form('decision=decline&reason=no+bed+free')))).toEqual({
      decision: 'decline',
      reason: 'no bed free',
    });
  });

  it('parses a base64-encoded form body, as HTTP APIs deliver forms', () => {
    const encoded = Buffer.from('decision=accept&reason=%C3%ABsht%C3%AB').toString('base64');

    expect(Object.fromEntries(formBody(form(encoded, true)))).toEqual({
      decision: 'accept',
      reason: 'është',
    });
  });

  it('accepts a charset parameter', () => {
    const e = event('decision=accept', {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
    });

    expect(formBody(e).get('decision')).toBe('accept');
  });

  it.each(['application/json', 'multipart/form-data; boundary=x', 'text/plain', ''])(
    'refuses the content type %p',
    (type) => {
      expect(() => formBody(event('decision=accept', { 'content-type': type }))).toThrow(
        UnsupportedMediaTypeError,
      );
    },
  );

  it('refuses a form over 16 KiB', () => {
    expect(() => formBody(form(`reason=${'x'.repeat(MAX_BODY_BYTES)}`))).toThrow(PayloadTooLargeError);
  });
});

describe('headerValue', () => {
  it('finds a header whatever its case', () => {
    expect(headerValue(event('', { 'Idempotency-Key': 'k1' }), 'idempotency-key')).toBe('k1');
  });

  it('returns undefined for a missing header', () => {
    expect(headerValue(event('', {}), 'idempotency-key')).toBeUndefined();
  });
});
