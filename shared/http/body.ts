import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';

/** Largest accepted request body (decoded). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Deepest accepted JSON nesting; deeper bodies are refused before schema validation. */
export const MAX_JSON_DEPTH = 20;

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

export function headerValue(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return header(event, name);
}

/** The raw body as text, size-checked. HTTP APIs may base64-encode it. */
export function bodyText(event: APIGatewayProxyEventV2): string {
  const raw = event.body ?? '';
  const buf = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (buf.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError('the body exceeds 16 KiB');
  return buf.toString('utf8');
}

function depth(value: unknown, level = 0): number {
  if (level > MAX_JSON_DEPTH) return level;
  if (value === null || typeof value !== 'object') return level;
  let max = level + 1;
  for (const v of Object.values(value)) max = Math.max(max, depth(v, level + 1));
  return max;
}

/**
 * Parses a JSON request body. The raw text is never attached to the error: a logger or
 * error handler that prints the error must not print the body (SECURITY.md).
 */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new UnsupportedMediaTypeError('the body must be application/json');
  }
  const text = bodyText(event);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedBodyError('the body is not valid JSON');
  }
  if (depth(parsed) > MAX_JSON_DEPTH) throw new MalformedBodyError('the body is nested too deeply');
  return parsed;
}

/** Parses an `application/x-www-form-urlencoded` body (action-link forms). */
export function formBody(event: APIGatewayProxyEventV2): URLSearchParams {
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type)) {
    throw new UnsupportedMediaTypeError('the body must be a form');
  }
  return new URLSearchParams(bodyText(event));
}
