/**
 * Domain errors. They carry no HTTP knowledge: the edge (shared/http/problem.ts) maps them.
 * Messages are fixed strings chosen by us, never built from input (SECURITY.md).
 */

/** One failed rule: where (JSON Pointer) and which rule (a zod issue code or our own). */
export interface FieldIssue {
  readonly path: string;
  readonly code: string;
}

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly issues: readonly FieldIssue[],
    message = 'the request is not valid',
  ) {
    super(message);
  }
}

/** The body is not JSON at all. */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}

export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

/** No usable identity (missing or malformed claims). */
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

/** Identity known, but its role may not use this operation. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/** The thing does not exist, or the caller may not know that it does. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/**
 * The request conflicts with what is stored (idempotency key reuse, stale version). `code`, a
 * fixed word of ours (`child_cannot_withdraw`), is listed in the problem's `errors` at path ``.
 */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The action link or task is unknown, used, expired or no longer actionable; `code` as for ConflictError. */
export class GoneError extends Error {
  override readonly name = 'GoneError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A dependency is temporarily unavailable; the caller may retry. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}
