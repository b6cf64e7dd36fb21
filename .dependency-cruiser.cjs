/**
 * Which way imports run (ARCHITECTURE.md, "Which way imports run"): one named rule per rule
 * there, plus product-not-to-tools-or-tests (tools and tests sit on top) and
 * resolvable-relative-imports (so no rule passes for want of a path). test/ may import
 * anything, engine internals included. `npm run lint` runs it (`depcruise --config .dependency-cruiser.cjs ...`) and so does
 * test/infra/boundaries.test.ts, so `npm test` fails on a violation too.
 *
 * Every kind of import counts: static imports and re-exports, side-effect imports, `import()`,
 * `require()`, and type-only ones (`import type`, `export type * from`). ARCHITECTURE.md draws
 * the lines between folders, not between values and types: a type from a folder one may not
 * import still ties the two together.
 *
 * Parsing is swc's (@swc/core, already here for jest): TypeScript 7 has no compiler API for
 * dependency-cruiser's tsc parser. Relative `.ts` imports resolve through `extensions` below;
 * the project has no tsconfig `paths`, so no tsconfig is read.
 *
 * Paths are relative to the repository root (forward slashes), e.g. `local/engine/index.ts`.
 */

/** The product: what is deployed, and the embedded runtime beside it. */
const PRODUCT = '^(infra|functions|workflows|shared|local)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // shared/ imports nothing else of the project: these three rules, with product-not-to-local
    // and product-not-to-tools-or-tests, cover every other folder.
    {
      name: 'shared-imports-nothing-else',
      comment: 'shared/ is the domain: it imports nothing of infra/, functions/ or workflows/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(infra|functions|workflows)/' },
    },
    {
      name: 'shared-knows-no-cdk',
      comment: 'shared/ knows no CDK: aws-cdk-lib and constructs stay in infra/ and workflows/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '(^|/)node_modules/(aws-cdk-lib|constructs)/' },
    },
    {
      name: 'functions-not-to-infra-or-workflows',
      comment: 'functions/ → shared/ only: never infra/ or workflows/ (nor local/: product-not-to-local).',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(infra|workflows)/' },
    },
    {
      name: 'workflows-only-to-shared',
      comment:
        'infra/ → workflows/ → shared/: a workflow definition imports shared/ (and the CDK), never infra/ or functions/.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(infra|functions)/' },
    },
    {
      name: 'infra-not-to-functions',
      comment:
        'infra/ → workflows/ and infra/ → shared/: the CDK app names function code by its entry path and bundles it; it does not import it.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^functions/' },
    },
    {
      name: 'local-not-to-functions-or-workflows',
      comment: 'local/ imports nothing of functions/ or workflows/: it runs what cdk.out holds.',
      severity: 'error',
      from: { path: '^local/' },
      to: { path: '^(functions|workflows)/' },
    },
    {
      name: 'product-not-to-local',
      comment: 'Nothing in the product imports local/: the cloud definition knows nothing of it.',
      severity: 'error',
      from: { path: '^(infra|functions|workflows|shared)/' },
      to: { path: '^local/' },
    },
    {
      name: 'engine-imports-only-itself',
      comment:
        'local/engine/ runs any CDK assembly and knows nothing of Bashkë: it imports nothing of the project outside itself (packages and node builtins are fine).',
      severity: 'error',
      from: { path: '^local/engine/' },
      to: { dependencyTypes: ['local'], pathNot: '^local/engine/' },
    },
    {
      name: 'launcher-through-the-engine-entry',
      comment:
        "Bashkë's launcher (the rest of local/) reaches the engine only through its public entry local/engine/index.ts. The product may not import local/ at all, bench/ and scripts/ only local/index.ts; test/ is exempt (the engine's own tests in test/local/ test its parts).",
      severity: 'error',
      from: { path: '^local/', pathNot: '^local/engine/' },
      to: { path: '^local/engine/', pathNot: '^local/engine/index\\.ts$' },
    },
    {
      name: 'tools-through-the-launcher-entry',
      comment:
        "bench/ and scripts/ use the launcher's public entry local/index.ts (it re-exports the engine's), never the launcher's or the engine's internals. They may import the product they measure or document (infra/, workflows/, functions/, shared/): ARCHITECTURE.md limits them only on local/.",
      severity: 'error',
      from: { path: '^(bench|scripts)/' },
      to: { path: '^local/', pathNot: '^local/index\\.ts$' },
    },
    {
      name: 'product-not-to-tools-or-tests',
      comment:
        'bench/, scripts/ and test/ sit on top of the product: they may import it, it never imports them.',
      severity: 'error',
      from: { path: PRODUCT },
      to: { path: '^(bench|scripts|test)/' },
    },
    {
      name: 'resolvable-relative-imports',
      comment:
        'A relative import that does not resolve would slip past every rule above (a rule cannot match a path it does not know).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^\\.' },
    },
  ],
  options: {
    parser: 'swc',
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)(cdk\\.out|\\.jest-cache)/' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['main', 'types', 'typings'],
    },
  },
};
