/**
 * `npm run directory -- import <file.json> [--deactivate-missing]` and
 * `npm run directory -- export [file.json]`: the directory of a running stack in the schema of
 * shared/directory/korca.json.
 *
 * Where: by default the local stack that `npm start` runs (its runtime file in the data folder,
 * BASHKE_DATA_DIR or `.bashke/`), on its DynamoDB Local and the one table there. With `--aws`:
 * DynamoDB in AWS through the standard SDK environment (AWS_REGION, AWS_PROFILE or access keys)
 * and the table named by `--table` or TABLE_NAME (the data stack's table).
 *
 * Import checks the whole file first: a bad file writes nothing and prints every bad entry with
 * its line (exit 1). Then it upserts: each organisation created or changed with its audit event
 * (actor `ops`) in one transaction; organisations the file does not name are left as they are,
 * or deactivated with `--deactivate-missing` (never deleted). Exit 2: the stack is not reachable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DirectoryStore } from '../shared/data/directory-store';
import { exportDirectory, importDirectory, readDirectoryText, renderDirectory } from './directory-file';
import { dataTableName } from './engine';
import { readRuntimeFile, resolveDataDir } from './runtime-file';

const USAGE =
  'usage: npm run directory -- import <file.json> [--deactivate-missing] [--aws --table <name>]\n' +
  '       npm run directory -- export [file.json] [--aws --table <name>]\n';

/** DynamoDB Local's credentials as the local stack sets them (letters and digits only). */
const LOCAL_CREDENTIALS = { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' };

/** Bad arguments (exit 64 with the usage text). npm run users throws these too. */
export class UsageError extends Error {}
/** The local stack is not reachable (exit 2). */
export class StackError extends Error {}

/**
 * The directory: in AWS on the table `--table` or TABLE_NAME names, else on the DynamoDB Local
 * of the stack running on the data folder (its one table, or `--table`). Also npm run users'.
 */
export async function openDirectoryStore(
  aws: boolean,
  table: string | undefined,
  dataDir: string = resolveDataDir(),
): Promise<DirectoryStore> {
  if (aws) {
    const name = table ?? process.env.TABLE_NAME;
    if (!name) throw new UsageError('--aws needs --table <name> or TABLE_NAME');
    return new DirectoryStore(new DynamoDBClient({}), name);
  }
  const read = readRuntimeFile(dataDir);
  if (!read.ok)
    throw new StackError(`the local stack is not running (${read.detail}); start it with \`npm start\``);
  const client = new DynamoDBClient({
    endpoint: read.runtime.urls.dynamodb,
    region: process.env.AWS_REGION ?? 'eu-central-1',
    credentials: LOCAL_CREDENTIALS,
  });
  if (table) return new DirectoryStore(client, table);
  const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  let name: string;
  try {
    name = dataTableName(tables);
  } catch {
    throw new UsageError(`the local DynamoDB holds ${tables.length} tables: name one with --table`);
  }
  return new DirectoryStore(client, name);
}

/** Runs the command; returns the exit code. Output goes to `out` and `err`. */
export async function runDirectoryCli(
  argv: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void; store?: DirectoryStore; now?: () => Date } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  },
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        aws: { type: 'boolean' },
        table: { type: 'string' },
        'deactivate-missing': { type: 'boolean' },
      },
    });
    const [command, file, ...rest] = positionals;
    if (rest.length || (command !== 'import' && command !== 'export')) throw new UsageError('');
    if (command === 'import') {
      if (!file) throw new UsageError('import needs a file');
      const read = readDirectoryText(readFileSync(file, 'utf8'));
      if (!read.ok) {
        for (const p of read.problems)
          io.err(`${file}:${p.line}: ${p.path || '/'} ${p.code}: ${p.message}\n`);
        io.err(`directory: ${read.problems.length} problem(s) in ${file}; nothing was written\n`);
        return 1;
      }
      const store = io.store ?? (await openDirectoryStore(!!values.aws, values.table));
      const result = await importDirectory(store, read.directory, {
        deactivateMissing: !!values['deactivate-missing'],
        actor: { role: 'ops', sub: 'directory-cli' },
        now: io.now ?? (() => new Date()),
      });
      io.out(
        `directory: ${result.regions} region(s); organisations ${result.created.length} created, ` +
          `${result.changed.length} changed, ${result.unchanged.length} unchanged, ` +
          `${result.deactivated.length} deactivated\n`,
      );
      return 0;
    }
    const store = io.store ?? (await openDirectoryStore(!!values.aws, values.table));
    const text = renderDirectory(await exportDirectory(store));
    if (file) {
      writeFileSync(file, text);
      io.out(`directory: wrote ${file}\n`);
    } else io.out(text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(
        `${error instanceof UsageError && error.message ? `directory: ${error.message}\n` : ''}${USAGE}`,
      );
      return 64;
    }
    if (error instanceof StackError) {
      io.err(`directory: ${error.message}\n`);
      return 2;
    }
    if ((error as { code?: string }).code === 'ENOENT') {
      io.err('directory: no such file\n');
      return 66;
    }
    throw error;
  }
}

if (require.main === module) {
  runDirectoryCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`directory: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
