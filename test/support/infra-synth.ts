import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp, cdkJsonContext } from '../../infra/build-app';

export { cdkJsonContext };

export const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * A fresh directory under the OS temp dir. Tests never write the repo's cdk.out: the local
 * runtime and the workflow tests read it.
 */
export function tempOutdir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bashke-infra-${label}-`));
}

export function removeOutdir(outdir: string): void {
  fs.rmSync(outdir, { recursive: true, force: true });
}

export interface NewAppOptions {
  /** Merged over cdk.json's context. */
  readonly context?: Record<string, unknown>;
  /**
   * Bundle the functions with esbuild (~10 s). Off for apps whose tests look at no code
   * (the `aws:cdk:bundling-stacks` context, as `cdk synth --exclusively` uses).
   * @default true
   */
  readonly bundle?: boolean;
  readonly outdir: string;
}

/** An App configured like the CLI's: cdk.json's context, output to `outdir`. */
export function newApp(options: NewAppOptions): App {
  const context: Record<string, unknown> = { ...cdkJsonContext(), ...options.context };
  if (options.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  return new App({ context, outdir: options.outdir });
}

export interface SynthesizedBashke {
  readonly app: App;
  readonly built: ReturnType<typeof buildApp>;
  readonly outdir: string;
  /** BashkeData */
  readonly data: Template;
  /** BashkeApp */
  readonly compute: Template;
  /** Logical id of a construct (its default child, or the element itself) in its stack. */
  logicalId(construct: IConstruct): string;
}

let cached: SynthesizedBashke | undefined;

/**
 * The Bashkë app built from cdk.json's context and synthesized once per process (jest
 * gives each test file its own module registry, so: once per test file). No cdk-nag
 * plugin here; nag.test.ts builds its own app with it.
 */
export function synthBashke(): SynthesizedBashke {
  if (cached) return cached;
  const outdir = tempOutdir('synth');
  const app = newApp({ outdir });
  const built = buildApp(app);
  const assembly = app.synth();
  const template = (stack: Stack) => Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
  cached = {
    app,
    built,
    outdir,
    data: template(built.data),
    compute: template(built.compute),
    logicalId(construct) {
      const element = (construct.node.defaultChild ?? construct) as CfnElement;
      const stack = Stack.of(element);
      return stack.resolve(stack.getLogicalId(element)) as string;
    },
  };
  return cached;
}

/** Deletes the cached synth's output directory (call in afterAll). */
export function disposeSynth(): void {
  if (!cached) return;
  removeOutdir(cached.outdir);
  cached = undefined;
}

/** A resource as found by `Template.findResources`. */
export interface FoundResource {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON.
  readonly Properties?: Record<string, any>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/**
 * The resources of a type as [logicalId, resource] pairs. Throws when there are none, so a
 * check over "every X" cannot pass by finding no X; pass `allowNone` where none is fine.
 */
export function resourcesOf(
  template: Template,
  type: string,
  options: { allowNone?: boolean } = {},
): [string, FoundResource][] {
  const found = Object.entries(template.findResources(type)) as [string, FoundResource][];
  if (found.length === 0 && !options.allowNone) throw new Error(`the template has no ${type}`);
  return found;
}
