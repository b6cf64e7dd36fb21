import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ConflictError,
  type FieldIssue,
  ForbiddenError,
  GoneError,
  MalformedBodyError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors';
import { type TransientReason, transientFailure } from './transient';

/** RFC 9457 problem details, the error body of every JSON route. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  requestId: string;
  errors: FieldIssue[];
}

const MAPPING: ReadonlyArray<[new (...args: never[]) => Error, number, string]> = [
  [ValidationError, 400, 'The request is not valid'],
  [MalformedBodyError, 400, 'The body is not valid JSON'],
  [UnauthenticatedError, 401, 'Authentication required'],
  [ForbiddenError, 403, 'Forbidden'],
  [NotFoundError, 404, 'Not found'],
  [ConflictError, 409, 'Conflict'],
  [GoneError, 410, 'Gone'],
  [PayloadTooLargeError, 413, 'The body is too large'],
  [UnsupportedMediaTypeError, 415, 'Unsupported media type'],
  [UnavailableError, 503, 'Service unavailable'],
];

/** An UnavailableError is our own short wait (a busy counter, a record not readable yet): retry soon. */
const DOMAIN_RETRY_AFTER_SECONDS = 1;

/** Fixed texts for overload and timeouts: what to do, nothing of which service or why. */
const TRANSIENT_DETAIL: Readonly<Record<TransientReason, string>> = {
  throttled: 'the service is busy; retry after the time in Retry-After',
  timeout: 'the request took too long; retry after the time in Retry-After',
  unavailable: 'the service is unavailable for a moment; retry after the time in Retry-After',
};

const problem = (
  status: number,
  title: string,
  requestId: string,
  detail?: string,
  errors: FieldIssue[] = [],
) => ({
  type: `https://bashke.example.org/problems/${status}`,
  title,
  status,
  requestId,
  errors,
  ...(detail === undefined ? {} : { detail }),
});

/**
 * Maps any error to problem details. Known domain errors keep their fixed message as
 * `detail`; overload and timeouts of the services below (throttling, SDK and middy timeouts,
 * dropped connections) become 503 with a retry hint, since the same request may succeed in a
 * moment; anything else becomes a generic 500 with no internals.
 */
export function problemFor(
  error: unknown,
  requestId: string,
): { problem: Problem & { detail?: string }; retryAfterSeconds?: number } {
  for (const [type, status, title] of MAPPING) {
    if (error instanceof type) {
      const errors =
        error instanceof ValidationError
          ? [...error.issues]
          : (error instanceof ConflictError || error instanceof GoneError) && error.code
            ? [{ path: '', code: error.code }]
            : [];
      return {
        problem: problem(status, title, requestId, error.message, errors),
        ...(status === 503 ? { retryAfterSeconds: DOMAIN_RETRY_AFTER_SECONDS } : {}),
      };
    }
  }
  const transient = transientFailure(error);
  if (transient) {
    return {
      problem: problem(503, 'Service unavailable', requestId, TRANSIENT_DETAIL[transient.reason]),
      retryAfterSeconds: transient.retryAfterSeconds,
    };
  }
  return { problem: problem(500, 'Internal error', requestId) };
}

export function problemResponse(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const { problem, retryAfterSeconds } = problemFor(error, requestId);
  return {
    statusCode: problem.status,
    headers: {
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      ...(retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) }),
    },
    body: JSON.stringify(problem),
  };
}
