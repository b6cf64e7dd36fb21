import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { problemSchema } from '../../scripts/openapi';
import { directorySchema } from '../../shared/domain/directory';
import { caseViewSchema, referralRequestSchema, referralResponseSchema } from '../../shared/domain/referral';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DIRECTORY = directorySchema.parse(
  JSON.parse(readFileSync(join(ROOT, 'shared', 'directory', 'korca.json'), 'utf8')),
);

/** Every ```json block that follows an `<!-- example: name -->` marker, parsed. */
function examples(markdown: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const m of markdown.matchAll(/<!-- example: ([a-z0-9-]+) -->\n```json\n([\s\S]*?)\n```/g)) {
    const [, name = '', body = ''] = m;
    if (found.has(name)) throw new Error(`README example "${name}" appears twice`);
    found.set(name, JSON.parse(body));
  }
  return found;
}

const EXAMPLES = examples(README);

function example(name: string): unknown {
  if (!EXAMPLES.has(name)) throw new Error(`README example "${name}" is missing`);
  return EXAMPLES.get(name);
}

const org = (orgId: string) => DIRECTORY.organisations.find((o) => o.orgId === orgId);

/** The test command `.ci/run` takes: the last line of the last ```sh block between the quickstart markers. */
function quickstartTestCommand(markdown: string): string | undefined {
  const section = markdown.split('<!-- quickstart -->')[1]?.split('<!-- /quickstart -->')[0] ?? '';
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const lines = (blocks.at(-1) ?? '').split('\n').map((l) => l.trim());
  return lines.filter((l) => l && !l.startsWith('#')).at(-1);
}

describe('README', () => {
  it('marks exactly the examples this test checks', () => {
    expect([...EXAMPLES.keys()].sort()).toEqual([
      'case-view',
      'invalid-referral-request',
      'problem-400',
      'referral-request',
      'referral-response',
    ]);
  });

  it('has a quickstart whose last command runs the tests', () => {
    expect(README.match(/<!-- quickstart -->/g)).toHaveLength(1);
    expect(README.match(/<!-- \/quickstart -->/g)).toHaveLength(1);
    expect(quickstartTestCommand(README)).toBe('npm test');
  });

  it('shows a referral request the schema accepts, naming organisations of the demo directory', () => {
    const request = referralRequestSchema.parse(example('referral-request'));
    expect(DIRECTORY.regions.map((r) => r.regionId)).toContain(request.region);
    expect(org(request.socialWorkerOrgId)).toBeDefined();
    expect(request.preferredNgoId).toBeDefined();
    expect(org(request.preferredNgoId ?? '')?.kind).toBe('ngo');
  });

  it('shows responses and problems the route schemas accept', () => {
    referralResponseSchema.parse(example('referral-response'));
    caseViewSchema.parse(example('case-view'));
    expect(problemSchema.parse(example('problem-400')).status).toBe(400);
  });

  it('shows a case view naming organisations of the demo directory', () => {
    const view = caseViewSchema.parse(example('case-view'));
    expect(org(view.referringOrgId)?.kind).toBe('police');
    expect(org(view.offeredOrgId ?? '')?.kind).toBe('ngo');
    const region = DIRECTORY.regions.find((r) => r.regionId === view.region);
    expect(view.reference.startsWith(`${region?.code}-`)).toBe(true);
  });
});
