/**
 * `npm run clock -- now` | `npm run clock -- advance <duration>` [`--data-dir <folder>`]
 *
 * Reads or moves the running local stack's clock (local/engine/clock/runtime-clock.ts) through its
 * admin endpoint (`urls.admin` in runtime.json). `advance 25h` returns once the clock has
 * moved and the schedules due by then have run; Step Functions waits and timeouts that came
 * due continue in the stack. The clock only moves forward; `npm start -- --reset` (which
 * wipes the data folder) is the way back to real time.
 *
 * Exit codes: 0 done, 2 bad arguments or no running stack, 1 anything else.
 */
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { type DurationError, parseDuration } from './engine';
import { readRuntimeFile, resolveDataDir } from './runtime-file';

const USAGE =
  'usage: npm run clock -- now\n' +
  '       npm run clock -- advance <duration>   (e.g. 25h, 30m, 2d, 90s, 1d12h)\n' +
  '       options: --data-dir <folder>';

class UsageError extends Error {}
class NotRunningError extends Error {}

export type ClockCommand =
  | { readonly command: 'now'; readonly dataDir?: string }
  | { readonly command: 'advance'; readonly by: string; readonly dataDir?: string };

function parseRaw(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: { 'data-dir': { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function parseClockArgs(argv: readonly string[]): ClockCommand {
  const parsed = parseRaw(argv);
  const dataDir = parsed.values['data-dir'];
  const [command, ...rest] = parsed.positionals;
  const withDir = dataDir === undefined ? {} : { dataDir };
  if (command === 'now' && rest.length === 0) return { command, ...withDir };
  if (command === 'advance' && rest.length === 1 && rest[0] !== undefined) {
    try {
      parseDuration(rest[0]);
    } catch (error) {
      throw new UsageError((error as DurationError).message);
    }
    return { command, by: rest[0], ...withDir };
  }
  throw new UsageError(command === undefined ? 'say what to do' : `cannot "${parsed.positionals.join(' ')}"`);
}

const stateSchema = z.object({ now: z.string(), offsetMs: z.number(), offset: z.string() });
const errorSchema = z.object({ message: z.string() });

function describeState(state: z.infer<typeof stateSchema>): string {
  return `${state.now} (${state.offsetMs === 0 ? 'real time' : `${state.offset} ahead of real time`})`;
}

async function run(cmd: ClockCommand, env: NodeJS.ProcessEnv): Promise<string> {
  const dataDir = cmd.dataDir ? resolveDataDir({ BASHKE_DATA_DIR: cmd.dataDir }) : resolveDataDir(env);
  const runtime = readRuntimeFile(dataDir);
  if (!runtime.ok) {
    throw new NotRunningError(
      `the local stack is not running on ${dataDir} (${runtime.detail}); start it with \`npm start\``,
    );
  }
  const admin = runtime.runtime.urls.admin;
  if (!admin) {
    throw new NotRunningError(
      'the running stack has no admin endpoint (it predates `npm run clock`); restart it',
    );
  }
  let response: Response;
  try {
    response =
      cmd.command === 'now'
        ? await fetch(`${admin}/clock`)
        : await fetch(`${admin}/clock/advance`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ by: cmd.by }),
          });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new NotRunningError(`the local stack's admin endpoint ${admin} does not answer (${cause})`);
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = errorSchema.safeParse(json).data?.message ?? `HTTP ${response.status}`;
    throw response.status === 400 ? new UsageError(message) : new Error(message);
  }
  const state = stateSchema.safeParse(json);
  if (!state.success) throw new Error(`unexpected answer from ${admin}`);
  return cmd.command === 'now'
    ? describeState(state.data)
    : `advanced ${cmd.by}: now ${describeState(state.data)}`;
}

export interface ClockCliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processIo: ClockCliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: ClockCliIo = processIo,
): Promise<number> {
  try {
    io.out(`${await run(parseClockArgs(argv), env)}\n`);
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof UsageError) {
      io.err(`clock: ${message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof NotRunningError) {
      io.err(`clock: ${message}\n`);
      return 2;
    }
    io.err(`clock: ${message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
