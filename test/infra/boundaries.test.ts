import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import {
  exportedSchemas,
  importsOf,
  layerViolationsOf,
  nonStrictObjects,
  REPO_ROOT,
  tsFilesUnder,
  violationsOf,
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
    expect(await names('functions/action-link/action-link.ts')).toContain('decisionFormSchema');
    expect(await names('infra/config.ts')).toContain('deploymentConfigSchema');
    expect(await names('shared/workflow/task-input.ts')).toEqual(
      expect.arrayContaining(['offerCallbackSchema', 'taskInputs.prepareOffer', 'taskInputs.sendOffer']),
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
  const FOLDERS = ['shared', 'functions', 'infra', 'workflows', 'local'];

  it('fails on a forbidden import', () => {
    const files = FOLDERS.flatMap(tsFilesUnder);
    expect(files.length).toBeGreaterThan(20);
    const violations = files.flatMap((file) =>
      violationsOf(file, fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')),
    );
    expect(violations).toEqual([]);
  });

  it('keeps the engine apart: it imports nothing outside it, and others reach it by its entry', () => {
    const files = ['local', 'bench', 'scripts'].flatMap(tsFilesUnder);
    expect(files.filter((f) => f.startsWith('local/engine/')).length).toBeGreaterThan(20);
    const violations = files.flatMap((file) =>
      layerViolationsOf(file, fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')),
    );
    expect(violations).toEqual([]);
  });

  it('checks the layer rules on a synthetic example (self-test)', () => {
    const lines = (...l: string[]) => l.join('\n');
    const engine = lines(
      "import { a } from '../../shared/domain/codes';",
      "import { b } from '../runtime-file';",
      "import { c } from './sfn/control-plane';",
      "import { d } from 'zod';",
    );
    expect(layerViolationsOf('local/engine/probe.ts', engine)).toEqual([
      'local/engine/probe.ts: ../../shared/domain/codes (the engine imports nothing outside it)',
      'local/engine/probe.ts: ../runtime-file (the engine imports nothing outside it)',
    ]);
    const launcher = lines(
      "import { a } from './engine';",
      "import { b } from './engine/index';",
      "import { c } from './engine/sfn/control-plane';",
      "import { d } from './runtime-file';",
    );
    expect(layerViolationsOf('local/probe.ts', launcher)).toEqual([
      "local/probe.ts: ./engine/sfn/control-plane (the launcher uses the engine's public entry only)",
    ]);
    const bench = lines(
      "import { a } from '../local';",
      "import { b } from '../local/runtime/spawn-stack';",
      "import { c } from '../local/engine';",
    );
    expect(layerViolationsOf('bench/probe.ts', bench)).toEqual([
      "bench/probe.ts: ../local/runtime/spawn-stack (bench/ and scripts/ use the launcher's public entry only)",
      "bench/probe.ts: ../local/engine (bench/ and scripts/ use the launcher's public entry only)",
    ]);
  });

  it('imports zod as a namespace everywhere, tests and scripts included', () => {
    const files = [...FOLDERS, 'test', 'bench', 'scripts'].flatMap(tsFilesUnder);
    const bad = files.flatMap((file) =>
      zodImportViolations(file, fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')),
    );
    expect(bad).toEqual([]);
  });

  it('checks the rules on a synthetic example (self-test)', () => {
    const source = [
      "import * as z from 'zod';",
      "import type * as z from 'zod';",
      "import { z as zed } from 'zod';",
      'import {',
      '  Stack,',
      "} from 'aws-cdk-lib';",
      "import type { Construct } from 'constructs';",
      "import { ENV } from '../util/env';",
      "import { handler } from '../../functions/get-case/handler';",
      "export { x } from '../../workflows/referral';",
      "import '../../local/start';",
      "const later = () => import('../../infra/config');",
      "const old = require('../../local/legacy');",
      "// import { nope } from '../../infra/commented-out';",
      'const text = \'import { s } from "../../infra/in-a-string"\';',
    ].join('\n');
    expect(violationsOf('shared/domain/probe.ts', source)).toEqual([
      'shared/domain/probe.ts: zod (zod must be imported as * as z)',
      'shared/domain/probe.ts: aws-cdk-lib (shared/ → aws-cdk-lib)',
      'shared/domain/probe.ts: constructs (shared/ → constructs)',
      'shared/domain/probe.ts: ../../functions/get-case/handler (shared/ → functions/)',
      'shared/domain/probe.ts: ../../workflows/referral (shared/ → workflows/)',
      'shared/domain/probe.ts: ../../local/start (shared/ → local/)',
      'shared/domain/probe.ts: ../../infra/config (shared/ → infra/)',
      'shared/domain/probe.ts: ../../local/legacy (shared/ → local/)',
    ]);
    // The same imports are fine from infra/, except local/ (nothing imports it) and the zod form.
    expect(violationsOf('infra/probe.ts', source.replaceAll('../../', '../'))).toEqual([
      'infra/probe.ts: zod (zod must be imported as * as z)',
      'infra/probe.ts: ../local/start (infra/ → local/)',
      'infra/probe.ts: ../local/legacy (infra/ → local/)',
    ]);
    expect(importsOf(source).map((s) => s.specifier)).not.toContain('../../infra/commented-out');
  });
});
