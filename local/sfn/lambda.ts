import { randomUUID } from 'node:crypto';
import type { InvokeResult } from '../model';
import type { Json, JsonObject } from './definition';

/**
 * The Lambda side of the control plane: what a `lambda:invoke` task returns and how a
 * function error is named for Retry and Catch.
 *
 * Convention for the `FunctionInvoker` (the worker pool): a function error is
 * `{ ok: false, errorType, errorMessage }` with the errorType the Lambda runtime would
 * report (the error's name, e.g. `CaseStateError`). A function that ran past its timeout is
 * `{ ok: false, errorType: LAMBDA_TIMEOUT_ERROR_TYPE }`; Step Functions reports it as
 * `Lambda.Unknown`, as it does for a function that returned no error type. Service-level
 * failures use Lambda's names (`Lambda.ResourceNotFoundException`,
 * `Lambda.ServiceException`, ...), which pass through unchanged. An invoker that throws
 * instead of answering is reported as `Lambda.ServiceException`.
 */

/** The errorType a `FunctionInvoker` returns when a function timed out. */
export const LAMBDA_TIMEOUT_ERROR_TYPE = 'Sandbox.Timedout';

/** The error name Step Functions gives a function that timed out or gave no error type. */
export const LAMBDA_UNKNOWN_ERROR = 'Lambda.Unknown';

/** The error name of an invocation the invoker could not make. */
export const LAMBDA_SERVICE_ERROR = 'Lambda.ServiceException';

/** A task error as Retry/Catch see it: `Error` and `Cause`. */
export interface TaskError {
  readonly error: string;
  readonly cause: string;
}

/** The name Step Functions gives a failed invocation, and its cause text. */
export function functionError(result: Extract<InvokeResult, { ok: false }>): TaskError {
  const { errorType, errorMessage } = result;
  if (!errorType || errorType === LAMBDA_TIMEOUT_ERROR_TYPE) {
    return {
      error: LAMBDA_UNKNOWN_ERROR,
      cause:
        'The cause could not be determined because Lambda did not return an error type. Returned payload: ' +
        JSON.stringify({ errorMessage }),
    };
  }
  return { error: errorType, cause: JSON.stringify({ errorType, errorMessage }) };
}

/** An invoker that threw: the invocation itself failed. */
export function invokerFailure(error: unknown): TaskError {
  const name = error instanceof Error ? error.name : 'Error';
  return { error: LAMBDA_SERVICE_ERROR, cause: `the local function could not be invoked (${name})` };
}

/** The result of `arn:aws:states:::lambda:invoke`, shaped as the service integration's. */
export function lambdaInvokeResult(payload: Json, now: Date): JsonObject {
  const requestId = randomUUID();
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': String(Buffer.byteLength(JSON.stringify(payload))),
    'Content-Type': 'application/json',
    Date: now.toUTCString(),
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
  };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
