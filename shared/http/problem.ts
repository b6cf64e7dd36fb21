import type { APIGatewayProxyResultV2 } from 'aws-lambda';
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

/**
 * Maps any error to problem details. Known domain errors keep their fixed message as
 * `detail`; anything else becomes a generic 500 with no internals.
 */
export function problemFor(error: unknown, requestId: string): { problem: Problem & { detail?: string } } {
  for (const [type, status, title] of MAPPING) {
    if (error instanceof type) {
      const errors = error instanceof ValidationError ? [...error.issues] : [];
      return {
        problem: {
          type: `https://bashke.example.org/problems/${status}`,
          title,
          status,
          requestId,
          errors,
          detail: error.message,
        },
      };
    }
  }
  return {
    problem: {
      type: 'https://bashke.example.org/problems/500',
      title: 'Internal error',
      status: 500,
      requestId,
      errors: [],
    },
  };
}

export function problemResponse(error: unknown, requestId: string): APIGatewayProxyResultV2 {
  const { problem } = problemFor(error, requestId);
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
    body: JSON.stringify(problem),
  };
}
