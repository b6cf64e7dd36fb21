import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDirectoryCli } from '../../local/directory-cli';
import { normaliseDirectory } from '../../local/directory-file';
import { DirectoryStore } from '../../shared/data/directory-store';
import { directorySchema } from '../../shared/domain/directory';
import { createTestTable, type TestTable } from '../support/dynamodb-local';

const KORCA = readFileSync(join(__dirname, '..', '..', 'shared', 'directory', 'korca.json'), 'utf8');
const NOW = new Date('2026-12-01T10:00:00.000Z');

let table: TestTable;
let store: DirectoryStore;
let dir: string;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDirectoryCli(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    store,
    now: () => NOW,
  });
  return { code, out: out.join(''), err: err.join('') };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeEach(async () => {
  table = await createTestTable('directory-cli');
  store = new DirectoryStore(table.client, table.tableName);
  dir = mkdtempSync(join(tmpdir(), 'bashke-directory-'));
});

afterEach(async () => {
  await table.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run directory', () => {
  it('imports korca.json and exports it again, the same directory (normalised)', async () => {
    const imported = await run('import', file('korca.json', KORCA));
    expect(imported).toMatchObject({ code: 0, err: '' });
    expect(imported.out).toMatch(
      /1 region\(s\); organisations \d+ created, 0 changed, 0 unchanged, 0 deactivated/,
    );
    const exported = await run('export');
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.out)).toEqual(normaliseDirectory(directorySchema.parse(JSON.parse(KORCA))));
    // An export is itself a valid file, and importing it again changes nothing.
    const again = await run('import', file('export.json', exported.out));
    expect(again.out).toMatch(/0 created, 0 changed, \d+ unchanged/);
    const events = await store.listHistory('ngo-iom');
    expect(events.map((e) => [e.type, e.actor.role, e.version])).toEqual([['ORG_CREATED', 'ops', 1]]);
  });

  it('writes the export to a file when given one', async () => {
    await run('import', file('korca.json', KORCA));
    const target = join(dir, 'out.json');
    expect((await run('export', target)).code).toBe(0);
    expect(directorySchema.safeParse(JSON.parse(readFileSync(target, 'utf8'))).success).toBe(true);
  });

  it('upserts: changes what differs with an audit event naming the fields, leaves missing organisations alone', async () => {
    await run('import', file('korca.json', KORCA));
    const d = JSON.parse(KORCA);
    d.organisations = d.organisations.filter((o: { orgId: string }) => o.orgId !== 'ngo-vatra');
    const iom = d.organisations.find((o: { orgId: string }) => o.orgId === 'ngo-iom');
    iom.capacity = 7;
    iom.contacts[0].timeZone = 'Europe/Rome';
    const res = await run('import', file('changed.json', JSON.stringify(d, null, 2)));
    expect(res.out).toMatch(/0 created, 1 changed, \d+ unchanged, 0 deactivated/);
    expect((await store.listHistory('ngo-iom')).at(-1)).toMatchObject({
      type: 'ORG_CHANGED',
      version: 2,
      fields: ['capacity', 'contacts/0/timeZone'],
    });
    expect((await store.getOrganisation('ngo-vatra'))?.active).toBeUndefined();

    const flagged = await run(
      'import',
      file('changed.json', JSON.stringify(d, null, 2)),
      '--deactivate-missing',
    );
    expect(flagged.out).toMatch(/0 changed, \d+ unchanged, 1 deactivated/);
    expect(await store.getOrganisation('ngo-vatra')).toMatchObject({ active: false, version: 2 });
  });

  it('refuses a bad file whole: every bad entry with its line, exit 1, nothing written', async () => {
    const bad = KORCA.replace('"capacity": 4,', '"capacity": "four",').replace(
      '"email": "focal.point@iom.example.org"',
      '"email": "focal.point at iom"',
    );
    const lines = bad.split('\n');
    const capacityLine = lines.findIndex((l) => l.includes('"four"')) + 1;
    const emailLine = lines.findIndex((l) => l.includes('focal.point at iom')) + 1;
    const res = await run('import', file('bad.json', bad));
    expect(res.code).toBe(1);
    expect(res.err).toContain(`bad.json:${capacityLine}: /organisations/2/capacity invalid_type`);
    expect(res.err).toMatch(
      new RegExp(`bad\\.json:${emailLine}: /organisations/\\d+/contacts/0/email invalid_format`),
    );
    expect(res.err).toContain('2 problem(s)');
    expect(await table.items()).toEqual([]);
  });

  it('refuses a file that is not JSON with the line, and answers usage errors with 64', async () => {
    const res = await run('import', file('broken.json', '{\n  "regions": [\n'));
    expect(res).toMatchObject({ code: 1 });
    expect(res.err).toContain('broken.json:3: / invalid_json');
    expect((await run('delete', 'x')).code).toBe(64);
    expect((await run('import')).code).toBe(64);
    expect((await run('export', '--colour')).code).toBe(64);
    expect((await run('import', join(dir, 'missing.json'))).code).toBe(66);
  });
});
