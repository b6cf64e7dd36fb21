import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stageConfigSchema } from '../../infra/config';

const ROOT = join(__dirname, '..', '..');
const DEPLOY = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');

/** The rows of the stage keys' table: key → its "stage: required" cell. */
function keyTable(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const [, key = '', required = ''] of DEPLOY.matchAll(/^\| `(\w+)`\s*\| ([^|]+)\|/gm))
    rows.set(key, required.trim());
  return rows;
}

describe('docs/deploy.md', () => {
  it('documents every key of a stage, and marks required exactly those a stage must give', () => {
    const shape = stageConfigSchema.shape;
    const table = keyTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(shape).sort());
    const parsedEmpty = stageConfigSchema.safeParse({});
    const required = new Set(parsedEmpty.error?.issues.map((i) => String(i.path[0])));
    for (const [key, cell] of table)
      expect({ key, required: cell === 'yes' }).toEqual({ key, required: required.has(key) });
  });

  it('gives the commands of the deploy path', () => {
    for (const command of [
      'npx cdk bootstrap aws://<account>/<region>',
      'npx cdk diff -c stage=prod',
      'npx cdk deploy -c stage=prod --all',
      'npm run directory -- import shared/directory/korca.json --aws --table',
      'npm run users -- create --aws --user-pool <UserPoolId output>',
      'aws dynamodb restore-table-to-point-in-time',
      'aws sesv2 put-account-details --production-access-enabled',
    ])
      expect(DEPLOY).toContain(command);
  });

  it('is linked from the README’s deploy section', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Deploy'),
      readme.indexOf('\n## ', readme.indexOf('## Deploy') + 1),
    );
    expect(section).toContain('(docs/deploy.md)');
  });
});
