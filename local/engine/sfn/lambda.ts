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

/** The error name of a function that does not exist. */
export const LAMBDA_NOT_FOUND_ERROR = 'Lambda.ResourceNotFoundException';

/** The error name of a `lambda:invoke` Payload that is a string but not JSON text. */
export const LAMBDA_INVALID_CONTENT_ERROR = 'Lambda.InvalidRequestContentException';

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

/** A function's ARN with its version, as Lambda names it in errors (a bare name: in this region and account). */
export function qualifiedFunctionArn(nameOrArn: string, region: string, accountId: string): string {
  const arn = FUNCTION_ARN.test(nameOrArn)
    ? nameOrArn
    : `arn:aws:lambda:${region}:${accountId}:function:${nameOrArn}`;
  return arn.split(':').length > 7 ? arn : `${arn}:$LATEST`;
}

/** Lambda's service errors as Step Functions shows them: the AWS SDK's message text. */
function serviceErrorCause(message: string, status: number, code: string): string {
  return `${message} (Service: AWSLambda; Status Code: ${status}; Error Code: ${code}; Request ID: ${randomUUID()}; Proxy: null)`;
}

/**
 * The name Step Functions gives a failed invocation, and its cause text. `functionArn` (see
 * `qualifiedFunctionArn`) names the function in a `Lambda.ResourceNotFoundException`, whose
 * cause is Lambda's "Function not found" text as AWS records it.
 */
export function functionError(result: Extract<InvokeResult, { ok: false }>, functionArn?: string): TaskError {
  const { errorType, errorMessage } = result;
  if (errorType === LAMBDA_NOT_FOUND_ERROR && functionArn !== undefined) {
    return {
      error: LAMBDA_NOT_FOUND_ERROR,
      cause: serviceErrorCause(`Function not found: ${functionArn}`, 404, 'ResourceNotFoundException'),
    };
  }
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

/**
 * What Lambda receives for a `lambda:invoke` Payload: Step Functions sends a string Payload
 * as the request body itself, so Lambda reads it as JSON text (`"\"x\""` arrives as `"x"`,
 * `"0"` as `0`). Absent or null: `{}`. A string that is not JSON is Lambda's
 * InvalidRequestContentException.
 */
export function lambdaPayload(
  payload: Json | undefined,
): { ok: true; payload: Json } | { ok: false; error: TaskError } {
  if (payload === undefined || payload === null) return { ok: true, payload: {} };
  if (typeof payload !== 'string') return { ok: true, payload };
  try {
    return { ok: true, payload: JSON.parse(payload) as Json };
  } catch {
    return {
      ok: false,
      error: {
        error: LAMBDA_INVALID_CONTENT_ERROR,
        cause: serviceErrorCause(
          'Could not parse request body into json: Could not parse payload into json',
          400,
          'InvalidRequestContentException',
        ),
      },
    };
  }
}

/** `LogType: Tail`: the base64 tail of the invocation's log, as Lambda returns it in `LogResult`. */
function logTail(requestId: string): string {
  const log =
    `START RequestId: ${requestId} Version: $LATEST\n` +
    `END RequestId: ${requestId}\n` +
    `REPORT RequestId: ${requestId}\tDuration: 1.00 ms\tBilled Duration: 1 ms\n`;
  return Buffer.from(log).toString('base64');
}

function traceId(now: Date): string {
  const hex = (bytes: number) =>
    randomUUID()
      .replaceAll('-', '')
      .slice(0, bytes * 2);
  const epoch = Math.floor(now.getTime() / 1000).toString(16);
  return `Root=1-${epoch}-${hex(12)};Parent=${hex(8)};Sampled=0;Lineage=1:${hex(4)}:0`;
}

/**
 * The result of `arn:aws:states:::lambda:invoke`, shaped as the service integration's;
 * `logTail` (the Parameters' `LogType: Tail`) adds `LogResult` and its header.
 */
export function lambdaInvokeResult(
  payload: Json,
  now: Date,
  options: { logTail?: boolean } = {},
): JsonObject {
  const requestId = randomUUID();
  const tail = options.logTail ? logTail(requestId) : undefined;
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': String(Buffer.byteLength(JSON.stringify(payload))),
    'Content-Type': 'application/json',
    Date: now.toUTCString(),
    'X-Amz-Executed-Version': '$LATEST',
    ...(tail === undefined ? {} : { 'X-Amz-Log-Result': tail }),
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
    'X-Amzn-Trace-Id': traceId(now),
  };
  return {
    ExecutedVersion: '$LATEST',
    ...(tail === undefined ? {} : { LogResult: tail }),
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
