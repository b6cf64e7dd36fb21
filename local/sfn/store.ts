import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import type { ExecutionRecord } from './execution';
import { isWellFormedTaskToken } from './tokens';

/**
 * The durable store of the local Step Functions: one JSON file per execution in
 * `<dataDir>/executions/`, each replaced as a whole (written to a temporary file in the same
 * folder, then renamed over the old one: a reader sees the old or the new record, never a
 * torn one; no fsync, so a power cut may lose the last writes, a process crash does not).
 *
 * File: `{"format": "bashke.local-sfn.execution", "version": 1, "record": ExecutionRecord}`; its name is the state machine and execution name made file-safe plus a
 * hash of the execution ARN. A file that cannot be read (not JSON, another format or
 * version, a record that does not hold together) is skipped with its reason and left in
 * place; the other executions load.
 *
 * Writes: `save` writes at once (a token about to be handed out, an answer, a due time, an
 * end); `saveSoon` writes at the end of the event-loop turn, once per record however many
 * changes it had (history events). `flush` writes what is pending; `close` flushes and
 * stops. One process per folder (the runtime holds a lock on its data folder).
 */

export const EXECUTION_FILE_FORMAT = 'bashke.local-sfn.execution';
export const EXECUTION_FILE_VERSION = 1;
/** The folder inside the data folder. */
export const EXECUTIONS_FOLDER = 'executions';

export interface SkippedExecutionFile {
  /** Absolute path of the file. */
  readonly file: string;
  readonly reason: string;
}

export interface LoadedExecutions {
  readonly records: ExecutionRecord[];
  readonly skipped: SkippedExecutionFile[];
}

const iso = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not a date');
const status = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
const recordSchema = z.object({
  executionArn: z.string().min(1),
  stateMachineArn: z.string().min(1),
  name: z.string().min(1),
  status,
  startDate: iso,
  stopDate: iso.optional(),
  input: z.string(),
  output: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  timeoutAt: iso.optional(),
  current: z.object({ state: z.string().min(1), input: z.string(), enteredAt: iso }).optional(),
  history: z.array(
    z.looseObject({
      id: z.number().int().positive(),
      previousEventId: z.number().int().nonnegative(),
      type: z.string().min(1),
      timestamp: iso,
    }),
  ),
  tasks: z.array(
    z.object({
      token: z.string().refine(isWellFormedTaskToken, 'not a task token of the local Step Functions'),
      state: z.string().min(1),
      status: z.enum(['OPEN', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CLOSED']),
      issuedAt: iso,
      dueAt: iso.optional(),
      attempt: z.number().int().positive(),
      inputKey: z.string(),
      scheduledEventId: z.number().int().positive().optional(),
      submittedAt: iso.optional(),
      output: z.string().optional(),
      error: z.string().optional(),
      cause: z.string().optional(),
    }),
  ),
  waits: z.array(z.object({ state: z.string().min(1), dueAt: iso, inputKey: z.string() })),
  retries: z.array(
    z.object({
      state: z.string().min(1),
      inputKey: z.string(),
      attempt: z.number().int().positive(),
      retriesByRetrier: z.array(z.number().int().nonnegative()),
      dueAt: iso.optional(),
    }),
  ),
});
const fileSchema = z.object({
  format: z.literal(EXECUTION_FILE_FORMAT),
  version: z.number(),
  record: z.unknown(),
});

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
    .join('; ');
}

/** Reads one execution file: the record, or why it cannot be used. */
export function readExecutionFile(
  text: string,
): { ok: true; record: ExecutionRecord } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const envelope = fileSchema.safeParse(json);
  if (!envelope.success) {
    return {
      ok: false,
      reason: `not an execution file of the local Step Functions (${issuesText(envelope.error)})`,
    };
  }
  if (envelope.data.version !== EXECUTION_FILE_VERSION) {
    return {
      ok: false,
      reason: `format version ${envelope.data.version}; this runtime reads version ${EXECUTION_FILE_VERSION}`,
    };
  }
  const record = recordSchema.safeParse(envelope.data.record);
  if (!record.success) return { ok: false, reason: `the record is not valid (${issuesText(record.error)})` };
  const ids = record.data.history.map((event) => event.id);
  if (ids.some((id, i) => id !== i + 1)) {
    return { ok: false, reason: 'the record is not valid (history event ids are not 1, 2, 3, ...)' };
  }
  if (record.data.status === 'RUNNING' && record.data.history.length === 0) {
    return { ok: false, reason: 'the record is not valid (a running execution without history)' };
  }
  return { ok: true, record: record.data as unknown as ExecutionRecord };
}

export interface ExecutionStoreOptions {
  /** Called when a write fails (the execution goes on in memory). @default console.error */
  readonly onWriteError?: (message: string) => void;
}

export class ExecutionStore {
  /** The folder of the execution files. */
  readonly dir: string;
  private readonly pending = new Map<string, ExecutionRecord>();
  private readonly onWriteError: (message: string) => void;
  private flushHandle: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(dataDir: string, options: ExecutionStoreOptions = {}) {
    this.dir = path.join(path.resolve(dataDir), EXECUTIONS_FOLDER);
    mkdirSync(this.dir, { recursive: true });
    this.onWriteError =
      options.onWriteError ?? ((message) => console.error(`local step functions: ${message}`));
  }

  /** The file of an execution. */
  fileOf(executionArn: string): string {
    const [, machine = '', name = ''] = /:execution:([^:]+):([^:]+)$/.exec(executionArn) ?? [];
    const readable = `${machine}.${name}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120);
    const hash = createHash('sha256').update(executionArn).digest('hex').slice(0, 16);
    return path.join(this.dir, `${readable}.${hash}.json`);
  }

  /**
   * Every readable record, oldest start first; unreadable files are listed with their
   * reason. Leftover temporary files of an interrupted write are removed.
   */
  load(): LoadedExecutions {
    const records: ExecutionRecord[] = [];
    const skipped: SkippedExecutionFile[] = [];
    const seen = new Map<string, string>();
    for (const entry of readdirSync(this.dir).sort()) {
      const file = path.join(this.dir, entry);
      if (entry.endsWith('.tmp')) {
        rmSync(file, { force: true });
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        skipped.push({
          file,
          reason: `unreadable (${error instanceof Error ? error.message : String(error)})`,
        });
        continue;
      }
      const read = readExecutionFile(text);
      if (!read.ok) {
        skipped.push({ file, reason: read.reason });
        continue;
      }
      const other = seen.get(read.record.executionArn);
      if (other !== undefined) {
        skipped.push({ file, reason: `the execution is already loaded from ${path.basename(other)}` });
        continue;
      }
      seen.set(read.record.executionArn, file);
      records.push(read.record);
    }
    records.sort((a, b) => Date.parse(a.startDate) - Date.parse(b.startDate));
    return { records, skipped };
  }

  /** Writes the record now (atomically: temporary file, then rename). */
  save(record: ExecutionRecord): void {
    if (this.closed) return;
    this.pending.delete(record.executionArn);
    this.write(record);
  }

  /** Writes the record at the end of this event-loop turn. */
  saveSoon(record: ExecutionRecord): void {
    if (this.closed) return;
    this.pending.set(record.executionArn, record);
    this.flushHandle ??= setImmediate(() => {
      this.flushHandle = undefined;
      this.flush();
    });
  }

  /** Writes every pending record. */
  flush(): void {
    const records = [...this.pending.values()];
    this.pending.clear();
    for (const record of records) this.write(record);
  }

  /** Flushes, then ignores later saves. */
  close(): void {
    if (this.flushHandle) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    this.flush();
    this.closed = true;
  }

  private write(record: ExecutionRecord): void {
    const file = this.fileOf(record.executionArn);
    const temp = `${file}.${process.pid}.tmp`;
    const text = JSON.stringify({
      format: EXECUTION_FILE_FORMAT,
      version: EXECUTION_FILE_VERSION,
      record,
    });
    try {
      writeFileSync(temp, text);
      renameSync(temp, file);
    } catch (error) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // The write error below says enough.
      }
      this.onWriteError(
        `could not save ${record.executionArn} (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
}
