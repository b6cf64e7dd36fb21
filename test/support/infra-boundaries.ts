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

/** Static imports and re-exports, side-effect imports, `import()` and `require()`, in source order. */
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

/** The top-level project folder a specifier in `file` reaches, or the package it names. */
export function targetOf(file: string, specifier: string): { folder?: string; pkg?: string } {
  if (specifier.startsWith('.')) {
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    return { folder: resolved.split('/')[0] };
  }
  const parts = specifier.split('/');
  return { pkg: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

/** Which project folders and packages each folder may not import (ARCHITECTURE.md). */
export const FORBIDDEN: Record<string, { folders: string[]; packages: string[] }> = {
  shared: { folders: ['functions', 'infra', 'workflows', 'local'], packages: ['aws-cdk-lib', 'constructs'] },
  functions: { folders: ['infra', 'workflows', 'local'], packages: [] },
  workflows: { folders: ['functions', 'infra', 'local'], packages: [] },
  local: { folders: ['functions', 'workflows'], packages: [] },
  infra: { folders: ['local'], packages: [] },
};

/** zod is imported as a namespace (`import * as z from 'zod'`), never `{ z }` or a default. */
export function isBadZodImport(site: ImportSite): boolean {
  if (targetOf('', site.specifier).pkg !== 'zod') return false;
  return !/^import (type )?\* as z from$/.test(site.statement.trim().replace(/\s+/g, ' '));
}

/** The zod imports of one file not in the namespace form: `file: specifier (reason)`. */
export function zodImportViolations(file: string, source: string): string[] {
  return importsOf(source)
    .filter(isBadZodImport)
    .map((site) => `${file}: ${site.specifier} (zod must be imported as * as z)`);
}

/** The broken direction and zod rules of one file: `file: specifier (reason)`. */
export function violationsOf(file: string, source: string): string[] {
  const from = file.split('/')[0] ?? '';
  const rules = FORBIDDEN[from];
  const out: string[] = [];
  for (const site of importsOf(source)) {
    const { folder, pkg } = targetOf(file, site.specifier);
    if (rules && folder && rules.folders.includes(folder))
      out.push(`${file}: ${site.specifier} (${from}/ → ${folder}/)`);
    if (rules && pkg && rules.packages.includes(pkg))
      out.push(`${file}: ${site.specifier} (${from}/ → ${pkg})`);
    if (isBadZodImport(site)) out.push(`${file}: ${site.specifier} (zod must be imported as * as z)`);
  }
  return out;
}

/** A relative specifier of `file`, resolved to a repo path without extension (or undefined for a package). */
function resolvedPath(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return path.posix
    .normalize(path.posix.join(path.posix.dirname(file), specifier))
    .replace(/\.(ts|js|mjs|cjs)$/, '');
}

const ENGINE = 'local/engine';
const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

/**
 * The two layers of local/ (ARCHITECTURE.md): the engine imports nothing outside itself (it
 * runs any CDK assembly and knows nothing of the app); the launcher reaches the engine only
 * through its public entry; bench/ and scripts/ reach local/ only through the launcher's.
 */
export function layerViolationsOf(file: string, source: string): string[] {
  const out: string[] = [];
  for (const site of importsOf(source)) {
    const target = resolvedPath(file, site.specifier);
    if (target === undefined) continue;
    if (under(file, ENGINE)) {
      if (!under(target, ENGINE))
        out.push(`${file}: ${site.specifier} (the engine imports nothing outside it)`);
    } else if (under(file, 'local')) {
      if (under(target, ENGINE) && target !== ENGINE && target !== `${ENGINE}/index`)
        out.push(`${file}: ${site.specifier} (the launcher uses the engine's public entry only)`);
    } else if (under(file, 'bench') || under(file, 'scripts')) {
      if (under(target, 'local') && target !== 'local' && target !== 'local/index')
        out.push(`${file}: ${site.specifier} (bench/ and scripts/ use the launcher's public entry only)`);
    }
  }
  return out;
}
