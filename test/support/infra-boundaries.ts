import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as z from 'zod';

// --- zod schemas -------------------------------------------------------------------------

/** The internal definition of a zod 4 schema, as far as the walker reads it. */
interface Def {
  readonly type: string;
  readonly [key: string]: unknown;
}

export function isZodSchema(value: unknown): value is z.ZodType {
  const internals = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod;
  return typeof internals?.def?.type === 'string';
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Leaves: types that hold no nested schema. */
const LEAVES = new Set([
  'string',
  'number',
  'int',
  'boolean',
  'bigint',
  'symbol',
  'null',
  'undefined',
  'void',
  'never',
  'any',
  'unknown',
  'date',
  'file',
  'enum',
  'literal',
  'nan',
  'template_literal',
  'transform',
  'custom',
  'function',
]);
/** Wrappers: one inner schema in `def.innerType`. */
const WRAPPERS = new Set([
  'optional',
  'nullable',
  'default',
  'prefault',
  'catch',
  'nonoptional',
  'success',
  'readonly',
  'promise',
]);

/**
 * Walks a zod 4 schema and returns the path of every object schema that is not strict
 * (`z.strictObject` sets `def.catchall` to a never schema; `z.object` leaves it unset and
 * strips unknown keys, `z.looseObject` sets it to unknown). An unknown schema type throws,
 * so a kind of schema the walker does not know cannot hide an object.
 */
export function nonStrictObjects(schema: z.ZodType, at = '(root)'): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (s: z.ZodType, where: string): void => {
    if (seen.has(s)) return;
    seen.add(s);
    const def = defOf(s);
    const child = (value: unknown, suffix: string): void => walk(value as z.ZodType, `${where}${suffix}`);
    switch (def.type) {
      case 'object': {
        const catchall = def.catchall as z.ZodType | undefined;
        if (!catchall || defOf(catchall).type !== 'never') found.push(where);
        for (const [key, value] of Object.entries(def.shape as Record<string, z.ZodType>)) {
          child(value, `.${key}`);
        }
        return;
      }
      case 'array':
      case 'set':
        child(def.element ?? def.valueType, '[]');
        return;
      case 'tuple':
        (def.items as z.ZodType[]).forEach((item, i) => {
          child(item, `[${i}]`);
        });
        if (def.rest) child(def.rest, '[...]');
        return;
      case 'union':
        (def.options as z.ZodType[]).forEach((option, i) => {
          child(option, `|${i}`);
        });
        return;
      case 'intersection':
        child(def.left, '&left');
        child(def.right, '&right');
        return;
      case 'record':
      case 'map':
        child(def.keyType, '{key}');
        child(def.valueType, '{value}');
        return;
      case 'pipe':
        child(def.in, '>in');
        child(def.out, '>out');
        return;
      case 'lazy':
        child((def.getter as () => z.ZodType)(), '');
        return;
      default:
        if (WRAPPERS.has(def.type)) {
          child(def.innerType, '');
          return;
        }
        if (LEAVES.has(def.type)) return;
        throw new Error(`${where}: the walker does not know zod schema type "${def.type}"`);
    }
  };
  walk(schema, at);
  return found;
}

/**
 * The zod schemas a module exports, by export name; schemas inside an exported plain object
 * (e.g. `taskInputs.prepareOffer`) count too.
 */
export function exportedSchemas(moduleExports: Record<string, unknown>): [string, z.ZodType][] {
  const out: [string, z.ZodType][] = [];
  for (const [name, value] of Object.entries(moduleExports)) {
    if (isZodSchema(value)) out.push([name, value]);
    else if (
      value !== null &&
      typeof value === 'object' &&
      Object.getPrototypeOf(value) === Object.prototype
    ) {
      for (const [key, inner] of Object.entries(value))
        if (isZodSchema(inner)) out.push([`${name}.${key}`, inner]);
    }
  }
  return out;
}

// --- imports -----------------------------------------------------------------------------

export const REPO_ROOT = path.join(__dirname, '..', '..');

/** Every .ts file under `dir` (repo-relative paths, forward slashes). */
export function tsFilesUnder(dir: string): string[] {
  const abs = path.join(REPO_ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((f) => !f.split('/').includes('node_modules') && !f.split('/').includes('cdk.out'));
}

export interface ImportSite {
  readonly specifier: string;
  /** The statement's text up to the specifier (for the zod rule). */
  readonly statement: string;
}

/** Drops comments, keeps strings (so `// https://x` in a string stays). */
function stripComments(source: string): string {
  return source.replace(
    /("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g,
    (m, str) => (str ? m : m.replace(/[^\n]/g, ' ')),
  );
}

/**
 * Static imports and re-exports, side-effect imports, `import()` and `require()`, in source
 * order, with the statement's text: only the zod import style needs it (which way imports run
 * is dependency-cruiser's, see .dependency-cruiser.cjs).
 */
export function importsOf(source: string): ImportSite[] {
  const code = stripComments(source);
  const sites: (ImportSite & { index: number })[] = [];
  const patterns = [
    /(?:^|[;\n])\s*((?:import|export)\s+(?:type\s+)?[^'";()=]*?\bfrom\s*)(['"])([^'"]+)\2/g,
    /(?:^|[;\n])\s*(import\s*)(['"])([^'"]+)\2/g,
    /\b((?:import|require)\s*\(\s*)(['"])([^'"]+)\2\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) {
      sites.push({ statement: m[1] ?? '', specifier: m[3] ?? '', index: m.index });
    }
  }
  return sites
    .sort((a, b) => a.index - b.index)
    .map(({ statement, specifier }) => ({ statement, specifier }));
}

/** zod is imported as a namespace (`import * as z from 'zod'`), never `{ z }` or a default. */
export function isBadZodImport(site: ImportSite): boolean {
  if (site.specifier !== 'zod' && !site.specifier.startsWith('zod/')) return false;
  return !/^import (type )?\* as z from$/.test(site.statement.trim().replace(/\s+/g, ' '));
}

/** The zod imports of one file not in the namespace form: `file: specifier (reason)`. */
export function zodImportViolations(file: string, source: string): string[] {
  return importsOf(source)
    .filter(isBadZodImport)
    .map((site) => `${file}: ${site.specifier} (zod must be imported as * as z)`);
}

// --- dependency-cruiser ------------------------------------------------------------------

/** One broken rule of .dependency-cruiser.cjs, as its JSON reporter gives it. */
export interface ImportViolation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

/** What one cruise found. */
export interface CruiseOutcome {
  readonly violations: ImportViolation[];
  /** Every module cruised (repo-relative), with the resolved path of each of its dependencies. */
  readonly modules: Map<string, string[]>;
}

/**
 * The arguments of `npm run lint:imports` (after `depcruise`), so the test cruises exactly
 * what lint does.
 */
export function lintImportsArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [bin, ...args] = (pkg.scripts['lint:imports'] ?? '').trim().split(/\s+/);
  if (bin !== 'depcruise') throw new Error(`lint:imports should run depcruise, not "${bin}"`);
  return args;
}

/**
 * Runs dependency-cruiser's CLI with its JSON reporter in `cwd`. Its API (`cruise()`) is
 * ESM only with top-level await, which jest's CommonJS module system cannot load; the CLI runs
 * the same cruise in a child process.
 */
export function depcruise(args: readonly string[], cwd = REPO_ROOT): CruiseOutcome {
  const bin = path.join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');
  const run = spawnSync(process.execPath, [bin, ...args, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  let result: {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
    modules: { source: string; dependencies: { resolved: string }[] }[];
  };
  try {
    result = JSON.parse(run.stdout);
  } catch {
    throw new Error(`depcruise gave no JSON (exit ${run.status}): ${run.stderr}`);
  }
  return {
    violations: result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })),
    modules: new Map(result.modules.map((m) => [m.source, m.dependencies.map((d) => d.resolved)])),
  };
}
