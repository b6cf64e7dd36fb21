import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import type { ExecutionRecord } from './execution';
import { executionRef, isWellFormedTaskToken } from './tokens';

/**
 * The durable store of the local Step Functions: one JSON file per execution in
 * `<dataDir>/executions/`, each replaced as a whole: written to a temporary file in the same
 * folder, the old file removed, the temporary one renamed to its name. Not renamed over the
 * old file: ext4 writes a file renamed over another out to disk before the rename (its
 * `auto_da_alloc`), a millisecond or more of synchronous I/O on the engine's one thread for
 * every save, where this order costs a tenth of that. A crash between the removal and the
 * rename leaves the complete temporary file alone, and opening the folder gives it its name
 * (`settleTemporaryFiles`); a crash while writing it leaves the old file, and the torn one is
 * removed. A process crash loses nothing; no fsync, so a power cut may lose the last writes.
 *
 * File: `{"format": "local-sfn.execution", "version": 1, "record": ExecutionRecord}`; its name is the state machine and execution name made file-safe plus a
 * hash of the execution ARN. A file that cannot be read (not JSON, another format or
 * version, a record that does not hold together) is skipped with its reason and left in
 * place; the other executions load.
 *
 * Writes: `save` writes at once (a token about to be handed out, an answer, a due time, an
 * end); `saveSoon` writes at the end of the event-loop turn, once per record however many
 * changes it had (history events). `flush` writes what is pending; `close` flushes and
 * stops. One process per folder (the runtime holds a lock on its data folder).
 *
 * The index (`index.jsonl` in the same folder): one line per execution start and end,
 * `{arn, machine, name, status, start, stop?}`, appended after the execution's file was
 * written, the last line of an ARN winning. A restart reads the index and the folder's file
 * names, not the files of ended executions: only running ones, and any file the index does
 * not know (an index lost, a crash between a file and its line, a folder of an older
 * version) are read. `openIndex` rewrites the index compactly when it has lines to spare.
 */

export const EXECUTION_FILE_FORMAT = 'local-sfn.execution';
/** The format name of data folders made before the engine was its own part: still read. */
const EARLIER_EXECUTION_FILE_FORMAT = 'bashke.local-sfn.execution';
export const EXECUTION_FILE_VERSION = 1;
/** The folder inside the data folder. */
export const EXECUTIONS_FOLDER = 'executions';
/** The index file inside that folder. */
export const INDEX_FILE = 'index.jsonl';

/** What the index knows of an execution: enough for ListExecutions and name checks. */
export interface IndexEntry {
  readonly arn: string;
  readonly machine: string;
  readonly name: string;
  readonly status: ExecutionRecord['status'];
  /** ISO dates. */
  readonly start: string;
  readonly stop?: string;
}

export interface OpenedIndex {
  /** Every execution the index knows whose file exists, by ARN. */
  readonly entries: Map<string, IndexEntry>;
  /** Files the index does not know (read them: see `readFile`). */
  readonly unindexed: string[];
}

const indexLine = z.object({
  arn: z.string().min(1),
  machine: z.string().min(1),
  name: z.string().min(1),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
  start: z.string(),
  stop: z.string().optional(),
});

/** The index entry of a record. */
export function indexEntryOf(record: ExecutionRecord): IndexEntry {
  return {
    arn: record.executionArn,
    machine: record.stateMachineArn,
    name: record.name,
    status: record.status,
    start: record.startDate,
    ...(record.stopDate === undefined ? {} : { stop: record.stopDate }),
  };
}

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
  format: z.enum([EXECUTION_FILE_FORMAT, EARLIER_EXECUTION_FILE_FORMAT]),
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

  /** The file of an execution: deterministic, so a name is checked without reading anything. */
  fileOf(executionArn: string): string {
    const [, machine = '', name = ''] = /:execution:([^:]+):([^:]+)$/.exec(executionArn) ?? [];
    const readable = `${machine}.${name}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120);
    return path.join(this.dir, `${readable}.${executionRef(executionArn)}.json`);
  }

  /** True when the execution has a file. */
  has(executionArn: string): boolean {
    return existsSync(this.fileOf(executionArn));
  }

  /** One file's record, or why it cannot be used. */
  readFile(file: string): { ok: true; record: ExecutionRecord } | { ok: false; reason: string } {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return { ok: false, reason: `unreadable (${error instanceof Error ? error.message : String(error)})` };
    }
    return readExecutionFile(text);
  }

  /** The saved record of an execution (e.g. one that ended before a restart), if readable. */
  read(executionArn: string): ExecutionRecord | undefined {
    const pending = this.pending.get(executionArn);
    if (pending) return pending;
    const read = this.readFile(this.fileOf(executionArn));
    return read.ok && read.record.executionArn === executionArn ? read.record : undefined;
  }

  /**
   * The index, checked against the folder: entries whose file is gone are dropped, files it
   * does not know are listed. Leftover temporary files of an interrupted write are removed.
   * A torn last line (a crash while appending) is ignored.
   */
  openIndex(): OpenedIndex {
    this.settleTemporaryFiles();
    const names = new Set<string>();
    for (const entry of readdirSync(this.dir)) if (entry.endsWith('.json')) names.add(entry);
    const entries = new Map<string, IndexEntry>();
    let lines = 0;
    let text = '';
    try {
      text = readFileSync(path.join(this.dir, INDEX_FILE), 'utf8');
    } catch {
      // No index yet (a new folder, or one of an older version): every file is unindexed.
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      lines++;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        continue;
      }
      const parsed = indexLine.safeParse(json);
      if (!parsed.success) continue;
      const { stop, ...rest } = parsed.data;
      entries.set(rest.arn, stop === undefined ? rest : { ...rest, stop });
    }
    const indexed = new Set<string>();
    for (const [arn] of entries) {
      const name = path.basename(this.fileOf(arn));
      if (names.has(name)) indexed.add(name);
      else entries.delete(arn);
    }
    if (lines !== entries.size) this.rewriteIndex(entries.values());
    const unindexed = [...names].filter((name) => !indexed.has(name)).sort();
    return { entries, unindexed: unindexed.map((name) => path.join(this.dir, name)) };
  }

  /** Appends an execution's entry to the index; call after its file was written. */
  index(entry: IndexEntry): void {
    if (this.closed) return;
    try {
      appendFileSync(path.join(this.dir, INDEX_FILE), `${JSON.stringify(entry)}\n`);
    } catch (error) {
      this.onWriteError(
        `could not index ${entry.arn} (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /** Replaces the index with these entries (temporary file, then rename). */
  rewriteIndex(entries: Iterable<IndexEntry>): void {
    const file = path.join(this.dir, INDEX_FILE);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, [...entries].map((e) => `${JSON.stringify(e)}\n`).join(''));
      renameSync(temp, file);
    } catch (error) {
      rmSync(temp, { force: true });
      this.onWriteError(
        `could not rewrite the index (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /**
   * Every readable record, oldest start first; unreadable files are listed with their
   * reason. Leftover temporary files of an interrupted write are removed.
   */
  load(): LoadedExecutions {
    this.settleTemporaryFiles();
    const records: ExecutionRecord[] = [];
    const skipped: SkippedExecutionFile[] = [];
    const seen = new Map<string, string>();
    for (const entry of readdirSync(this.dir).sort()) {
      const file = path.join(this.dir, entry);
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

  /**
   * What an interrupted write left (see the class): a complete record whose file is gone takes
   * the file's name, every other temporary file (torn, or beside its file) is removed.
   */
  private settleTemporaryFiles(): void {
    for (const entry of readdirSync(this.dir)) {
      if (!entry.endsWith('.tmp')) continue;
      const temp = path.join(this.dir, entry);
      const target = path.join(this.dir, entry.replace(/\.\d+\.tmp$/, ''));
      try {
        if (target.endsWith('.json') && !existsSync(target) && this.readFile(temp).ok)
          renameSync(temp, target);
        else rmSync(temp, { force: true });
      } catch (error) {
        this.onWriteError(
          `could not settle ${entry} (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    }
  }

  /** Writes the record now (temporary file, old file removed, rename: see the class). */
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
      rmSync(file, { force: true });
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
