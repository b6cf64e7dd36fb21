import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  DescribeExecutionRequest,
  GetExecutionHistoryRequest,
  ListExecutionsRequest,
  SendTaskFailureRequest,
  SendTaskHeartbeatRequest,
  SendTaskSuccessRequest,
  StartExecutionRequest,
  StepFunctionsControlPlane,
  StopExecutionRequest,
} from './control-plane';
import { apiError, SfnApiError } from './errors';

/**
 * The Step Functions API over HTTP, AWS JSON 1.0 protocol, as `@aws-sdk/client-sfn` speaks
 * it: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>` and
 * `Content-Type: application/x-amz-json-1.0`. Dates go out as epoch seconds; errors as
 * `{"__type": "com.amazonaws.states#<Name>", "message": ...}`, which the SDK maps to its
 * exception classes (`ExecutionAlreadyExists`, `TaskTimedOut`, ...).
 */

export interface StepFunctionsServerOptions {
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
}

export interface StepFunctionsServer {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_SFN` is set to. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AWSStepFunctions.';
const MAX_BODY_BYTES = 1024 * 1024;
const ERROR_NAMESPACE = 'com.amazonaws.states#';

type Operation = (plane: StepFunctionsControlPlane, body: unknown) => Promise<object>;

// Each method validates its request with zod; the casts only hand the parsed JSON over.
const OPERATIONS: Readonly<Record<string, Operation>> = {
  StartExecution: (plane, body) => plane.startExecution(body as StartExecutionRequest),
  DescribeExecution: (plane, body) => plane.describeExecution(body as DescribeExecutionRequest),
  GetExecutionHistory: (plane, body) => plane.getExecutionHistory(body as GetExecutionHistoryRequest),
  SendTaskSuccess: (plane, body) => plane.sendTaskSuccess(body as SendTaskSuccessRequest),
  SendTaskFailure: (plane, body) => plane.sendTaskFailure(body as SendTaskFailureRequest),
  SendTaskHeartbeat: (plane, body) => plane.sendTaskHeartbeat(body as SendTaskHeartbeatRequest),
  StopExecution: (plane, body) => plane.stopExecution(body as StopExecutionRequest),
  ListExecutions: (plane, body) => plane.listExecutions(body as ListExecutionsRequest),
};

/** Dates as epoch seconds, as the API's timestamps are. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, toWire(v)]])),
    );
  }
  return value;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(toWire(body));
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: SfnApiError): void {
  send(res, error.statusCode, { __type: `${ERROR_NAMESPACE}${error.type}`, message: error.message });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new SfnApiError('RequestEntityTooLargeException', 'the request body is larger than 1 MiB', 413),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(plane: StepFunctionsControlPlane, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
    throw new SfnApiError('UnknownOperationException', 'the Step Functions API is POST / only', 404);
  }
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
    throw new SfnApiError('UnknownOperationException', `X-Amz-Target must be ${TARGET_PREFIX}<Operation>`);
  }
  const name = target.slice(TARGET_PREFIX.length);
  const operation = OPERATIONS[name];
  if (!operation || !Object.hasOwn(OPERATIONS, name)) {
    throw apiError.unknownOperation(/^[A-Za-z0-9]{1,64}$/.test(name) ? name : '(unreadable name)');
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
  if (contentType !== CONTENT_TYPE) {
    throw new SfnApiError('SerializationException', `the Content-Type must be ${CONTENT_TYPE}`);
  }
  const text = await readBody(req);
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new SfnApiError('SerializationException', 'the request body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw apiError.validation(['(body)']);
  send(res, 200, await operation(plane, body));
}

/** Serves `plane` on 127.0.0.1. */
export function startStepFunctionsServer(
  plane: StepFunctionsControlPlane,
  options: StepFunctionsServerOptions = {},
): Promise<StepFunctionsServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error('the local Step Functions listens on 127.0.0.1 only');
  const server = createServer((req, res) => {
    handle(plane, req, res).catch((error: unknown) => {
      if (res.headersSent) return;
      if (error instanceof SfnApiError) sendError(res, error);
      else {
        console.error('local step functions: request failed', error);
        sendError(res, new SfnApiError('InternalFailure', 'internal error', 500));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
