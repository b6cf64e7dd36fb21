import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as z from 'zod';
import {
  depcruise,
  exportedSchemas,
  importsOf,
  lintImportsArgs,
  nonStrictObjects,
  REPO_ROOT,
  tsFilesUnder,
  zodImportViolations,
} from '../support/infra-boundaries';

/** The modules whose exported schemas guard a boundary (API, callbacks, task inputs, config). */
const BOUNDARY_MODULES = [
  ...tsFilesUnder('shared/domain'),
  'shared/workflow/task-input.ts',
  'functions/action-link/action-link.ts',
  'infra/config.ts',
];

describe('boundary schemas', () => {
  it('walks every boundary schema and fails on any object that is not strict', async () => {
    const found: string[] = [];
    let schemas = 0;
    for (const file of BOUNDARY_MODULES) {
      const exports = (await import(path.join(REPO_ROOT, file))) as Record<string, unknown>;
      for (const [name, schema] of exportedSchemas(exports)) {
        schemas += 1;
        found.push(...nonStrictObjects(schema, `${file}#${name}`));
      }
    }
    // The known ones are there (a broken import would otherwise make this vacuous).
    expect(schemas).toBeGreaterThanOrEqual(10);
    expect(found).toEqual([]);
  });

  it('finds the schemas named in the brief among the exports', async () => {
    const names = async (file: string) =>
      exportedSchemas((await import(path.join(REPO_ROOT, file))) as Record<string, unknown>).map(([n]) => n);
    // The link's forms and the task API are validated by each kind's outcome schema.
    expect(await names('shared/domain/tasks.ts')).toEqual(
      expect.arrayContaining(['OUTCOME_SCHEMAS.OFFER', 'OUTCOME_SCHEMAS.NEEDS_ASSESSMENT', 'planItemSchema']),
    );
    expect(await names('shared/tasks/complete-task.ts')).toContain('taskCallbackSchema');
    expect(await names('infra/config.ts')).toContain('deploymentConfigSchema');
    expect(await names('shared/workflow/task-input.ts')).toEqual(
      expect.arrayContaining(['taskInputs.prepareOffer', 'taskInputs.openTask', 'taskInputs.scheduleStage']),
    );
  });

  it('catches a non-strict object however deeply it is nested (self-test)', () => {
    const inner = z.object({ street: z.string() });
    const schema = z.strictObject({
      list: z.array(
        z.discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('a'), address: inner.optional().nullable() }),
          z.strictObject({ kind: z.literal('b') }),
        ]),
      ),
      piped: z
        .string()
        .transform((s) => s.length)
        .pipe(z.number()),
      later: z.lazy(() => z.looseObject({})).default({}),
      map: z.record(z.string(), z.strictObject({ x: z.number() })),
    });
    expect(nonStrictObjects(schema, 'probe')).toEqual(['probe.list[]|0.address', 'probe.later']);
    expect(nonStrictObjects(z.strictObject({ a: z.strictObject({ b: z.string() }) }))).toEqual([]);
  });

  it('refuses a schema type it does not know rather than passing it', () => {
    const fake = { _zod: { def: { type: 'mystery' } } } as unknown as z.ZodType;
    expect(() => nonStrictObjects(fake, 'probe')).toThrow(/mystery/);
  });
});

describe('import directions', () => {
  const CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

  it('breaks none of the rules in .dependency-cruiser.cjs (what npm run lint:imports checks)', () => {
    const args = lintImportsArgs();
    expect(args.slice(0, 2)).toEqual(['--config', '.dependency-cruiser.cjs']);
    expect(args).toEqual(
      expect.arrayContaining(['infra', 'functions', 'workflows', 'shared', 'local', 'bench', 'scripts']),
    );
    const { violations, modules } = depcruise(args);
    // The cruise saw the project and resolved its .ts imports (an empty cruise passes any rule).
    expect(modules.size).toBeGreaterThan(150);
    expect(modules.get('infra/stacks/app-stack.ts')).toContain('workflows/referral.ts');
    expect(modules.get('local/index.ts')).toContain('local/engine/index.ts');
    expect(violations).toEqual([]);
  });

  it('names each rule of ARCHITECTURE.md once, every one an error', () => {
    const config = require(CONFIG) as { forbidden: { name: string; severity: string }[] };
    expect(config.forbidden.map((r) => r.name)).toEqual([
      'shared-imports-nothing-else',
      'shared-knows-no-cdk',
      'functions-not-to-infra-or-workflows',
      'workflows-only-to-shared',
      'infra-not-to-functions',
      'local-not-to-functions-or-workflows',
      'product-not-to-local',
      'engine-imports-only-itself',
      'launcher-through-the-engine-entry',
      'tools-through-the-launcher-entry',
      'product-not-to-tools-or-tests',
      'resolvable-relative-imports',
    ]);
    expect(config.forbidden.every((r) => r.severity === 'error')).toBe(true);
  });

  describe('on a synthetic project (self-test)', () => {
    let root: string;
    const files: Record<string, string> = {
      'shared/domain/probe.ts': [
        "import { config } from '../../infra/config';",
        "import type { Stack } from 'aws-cdk-lib';",
        "import type { Construct } from 'constructs';",
        "export { ok } from '../ok';",
      ].join('\n'),
      'shared/ok.ts': 'export const ok = 1;',
      'functions/get-case/handler.ts': [
        "import type { ReferralStates } from '../../workflows/referral';",
        "import { ok } from '../../shared/ok';",
        "const later = () => import('../../local/index');",
      ].join('\n'),
      'workflows/referral.ts': [
        'export type ReferralStates = string;',
        "import { handler } from '../functions/get-case/handler';",
        "import '../shared/ok';",
      ].join('\n'),
      'infra/config.ts': [
        'export const config = 1;',
        "import '../functions/get-case/handler';",
        "import { x } from '../workflows/referral';",
        "import { fixture } from '../test/support/fixtures';",
      ].join('\n'),
      'local/index.ts': ["export * from './engine';", "import { s } from './engine/sfn/control-plane';"].join(
        '\n',
      ),
      'local/main.ts': [
        "import type { ReferralStates } from '../workflows/referral';",
        "import { ok } from '../shared/ok';",
        "import { x } from './engine/index';",
      ].join('\n'),
      'local/engine/index.ts': "export * from './sfn/control-plane';",
      'local/engine/sfn/control-plane.ts': [
        "import { ok } from '../../../shared/ok';",
        "import { main } from '../../main';",
        "import * as fs from 'node:fs';",
        "import * as z from 'zod';",
      ].join('\n'),
      'bench/stack.ts': [
        "import { a } from '../local';",
        "import { b } from '../local/index';",
        "import { c } from '../local/main';",
        "import { d } from '../local/engine';",
        "import { e } from '../infra/config';",
      ].join('\n'),
      'scripts/docs.ts': [
        "import { c } from '../local/engine/sfn/control-plane';",
        "import { gone } from '../shared/gone';",
      ].join('\n'),
      'test/support/fixtures.ts': [
        "import { c } from '../../local/engine/sfn/control-plane';",
        'export const fixture = 1;',
      ].join('\n'),
    };

    beforeAll(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'bashke-depcruise-'));
      for (const [file, source] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), `${source}\n`);
      }
      // The packages resolve as in the repository (the CDK rule matches their path).
      fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it('reports each broken rule, type-only imports included, and nothing that is allowed', () => {
      const folders = ['shared', 'functions', 'workflows', 'infra', 'local', 'bench', 'scripts', 'test'];
      const { violations } = depcruise(['--config', CONFIG, ...folders], root);
      // A package is named by its folder: the symlinked node_modules resolves outside `root`.
      const to = (p: string) => p.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, 'node_modules/$1');
      const found = violations.map((v) => `${v.from} → ${to(v.to)} (${v.rule})`).sort();
      expect(found).toEqual(
        [
          'shared/domain/probe.ts → infra/config.ts (shared-imports-nothing-else)',
          'shared/domain/probe.ts → node_modules/aws-cdk-lib (shared-knows-no-cdk)',
          'shared/domain/probe.ts → node_modules/constructs (shared-knows-no-cdk)',
          'functions/get-case/handler.ts → workflows/referral.ts (functions-not-to-infra-or-workflows)',
          'functions/get-case/handler.ts → local/index.ts (product-not-to-local)',
          'workflows/referral.ts → functions/get-case/handler.ts (workflows-only-to-shared)',
          'infra/config.ts → functions/get-case/handler.ts (infra-not-to-functions)',
          'infra/config.ts → test/support/fixtures.ts (product-not-to-tools-or-tests)',
          'local/index.ts → local/engine/sfn/control-plane.ts (launcher-through-the-engine-entry)',
          'local/main.ts → workflows/referral.ts (local-not-to-functions-or-workflows)',
          'local/engine/sfn/control-plane.ts → shared/ok.ts (engine-imports-only-itself)',
          'local/engine/sfn/control-plane.ts → local/main.ts (engine-imports-only-itself)',
          'bench/stack.ts → local/main.ts (tools-through-the-launcher-entry)',
          'bench/stack.ts → local/engine/index.ts (tools-through-the-launcher-entry)',
          'scripts/docs.ts → local/engine/sfn/control-plane.ts (tools-through-the-launcher-entry)',
          'scripts/docs.ts → ../shared/gone (resolvable-relative-imports)',
        ].sort(),
      );
    });
  });

  it('imports zod as a namespace everywhere, tests and scripts included', () => {
    const FOLDERS = ['shared', 'functions', 'infra', 'workflows', 'local', 'test', 'bench', 'scripts'];
    const files = FOLDERS.flatMap(tsFilesUnder);
    expect(files.length).toBeGreaterThan(100);
    const bad = files.flatMap((file) =>
      zodImportViolations(file, fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')),
    );
    expect(bad).toEqual([]);
  });

  it('checks the zod import style on a synthetic example (self-test)', () => {
    const source = [
      "import * as z from 'zod';",
      "import type * as z from 'zod';",
      "import { z as zed } from 'zod';",
      "import zod from 'zod';",
      "import * as mini from 'zod/mini';",
      "// import { nope } from 'zod';",
      'const text = \'import { s } from "zod"\';',
      "import { Stack } from 'aws-cdk-lib';",
    ].join('\n');
    expect(zodImportViolations('shared/probe.ts', source)).toEqual([
      'shared/probe.ts: zod (zod must be imported as * as z)',
      'shared/probe.ts: zod (zod must be imported as * as z)',
      'shared/probe.ts: zod/mini (zod must be imported as * as z)',
    ]);
    expect(importsOf(source).map((s) => s.specifier)).toEqual([
      'zod',
      'zod',
      'zod',
      'zod',
      'zod/mini',
      'aws-cdk-lib',
    ]);
  });
});
