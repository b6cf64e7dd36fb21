/**
 * `npm run docs:workflows`: a Mermaid state diagram of every state machine of the synthesized
 * app, written into docs/workflow.md between its `<!-- diagrams:begin -->` and
 * `<!-- diagrams:end -->` markers. Drawn from the ASL in the template (what AWS and the local
 * engine run), never from the CDK code, so the picture cannot drift from the definition;
 * test/docs/workflow-diagrams.test.ts fails when the committed diagrams do.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { buildApp, cdkJsonContext } from '../infra/build-app';
import { type AslMachine, renderStateDiagram } from './asl-diagram';

const REPO_ROOT = path.join(__dirname, '..');
export const WORKFLOW_DOC = path.join(REPO_ROOT, 'docs', 'workflow.md');
export const BEGIN_MARKER = '<!-- diagrams:begin -->';
export const END_MARKER = '<!-- diagrams:end -->';
const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';

// --- the synthesized app -----------------------------------------------------------------

/** One state machine of the assembly. */
export interface AssemblyStateMachine {
  /** Readable name: the construct id (from its path), e.g. `ReferralWorkflow`. */
  readonly name: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly definition: AslMachine;
}

/**
 * A DefinitionString as text, CloudFormation tokens as placeholders: `Fn::Join` is joined,
 * `Ref` becomes `${Ref:Id}`, `Fn::GetAtt` `${Id.Attribute}`, any other intrinsic
 * `${Fn::Name}`. The diagram needs only the structure, and placeholders keep it stable
 * (no account, no hash-named ARN beyond the logical id).
 */
export function definitionText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [fn, arg] = entries[0] ?? [];
    if (entries.length === 1 && fn === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
      return (arg[1] as unknown[]).map(definitionText).join(String(arg[0]));
    }
    if (entries.length === 1 && fn === 'Ref') return `\${Ref:${String(arg)}}`;
    if (entries.length === 1 && fn === 'Fn::GetAtt' && Array.isArray(arg)) return `\${${arg.join('.')}}`;
    if (entries.length === 1 && fn?.startsWith('Fn::')) return `\${${fn}}`;
  }
  throw new Error(`not a DefinitionString part: ${JSON.stringify(value)}`);
}

type CfnTemplate = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/**
 * Every `AWS::StepFunctions::StateMachine` of every stack, sorted by stack and name. `names`
 * maps `stack/logicalId` to a readable name; without one the logical id is the name.
 */
export function stateMachinesOf(
  stacks: readonly { name: string; template: CfnTemplate }[],
  names?: ReadonlyMap<string, string>,
): AssemblyStateMachine[] {
  const found: AssemblyStateMachine[] = [];
  for (const { name: stack, template } of stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== STATE_MACHINE) continue;
      const props = resource.Properties ?? {};
      const definition = (props.Definition ??
        JSON.parse(definitionText(props.DefinitionString))) as AslMachine;
      found.push({ name: names?.get(`${stack}/${logicalId}`) ?? logicalId, stack, logicalId, definition });
    }
  }
  return found.sort((a, b) => a.stack.localeCompare(b.stack) || a.name.localeCompare(b.name));
}

/**
 * Synthesizes the app as `cdk synth` does (cdk.json's context), without bundling the
 * functions (the diagrams need no code) and without writing the repository's cdk.out.
 */
export function synthStateMachines(): AssemblyStateMachine[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bashke-workflow-diagrams-'));
  try {
    const app = new App({
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
      outdir,
    });
    buildApp(app);
    const assembly = app.synth();
    // A readable name per state machine: its construct path below the stack (e.g.
    // BashkeApp/ReferralWorkflow/Resource → ReferralWorkflow).
    const names = new Map<string, string>();
    for (const construct of app.node.findAll()) {
      if (!(construct instanceof CfnResource) || construct.cfnResourceType !== STATE_MACHINE) continue;
      const stack = Stack.of(construct);
      const scopes = construct.node.scopes;
      const below = scopes.slice(scopes.indexOf(stack) + 1).map((c) => c.node.id);
      // The house workflow construct's state machine is its `Default` child.
      while (['Resource', 'Default'].includes(below.at(-1) ?? '') && below.length > 1) below.pop();
      names.set(`${stack.stackName}/${stack.resolve(construct.logicalId)}`, below.join('/'));
    }
    return stateMachinesOf(
      assembly.stacks.map((s) => ({ name: s.stackName, template: s.template as CfnTemplate })),
      names,
    );
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The Markdown between the markers: a heading and a mermaid block per state machine. */
export function renderDiagrams(machines: readonly AssemblyStateMachine[]): string {
  if (machines.length === 0) throw new Error('the assembly has no AWS::StepFunctions::StateMachine');
  return machines
    .map((m) =>
      [
        `### ${m.name}`,
        '',
        `Stack \`${m.stack}\`, resource \`${m.logicalId}\`.`,
        '',
        '```mermaid',
        renderStateDiagram(m.definition),
        '```',
      ].join('\n'),
    )
    .join('\n\n');
}

/** `markdown` with what stands between the markers replaced by `diagrams`. */
export function withDiagrams(markdown: string, diagrams: string): string {
  const begin = markdown.indexOf(BEGIN_MARKER);
  const end = markdown.indexOf(END_MARKER);
  if (begin < 0 || end < begin) {
    throw new Error(`docs/workflow.md needs ${BEGIN_MARKER} followed by ${END_MARKER}`);
  }
  return `${markdown.slice(0, begin + BEGIN_MARKER.length)}\n${diagrams}\n${markdown.slice(end)}`;
}

/** What stands between the markers (trimmed), or undefined without them. */
export function diagramsIn(markdown: string): string | undefined {
  const begin = markdown.indexOf(BEGIN_MARKER);
  const end = markdown.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return undefined;
  return markdown.slice(begin + BEGIN_MARKER.length, end).trim();
}

if (require.main === module) {
  const machines = synthStateMachines();
  const before = fs.readFileSync(WORKFLOW_DOC, 'utf8');
  const after = withDiagrams(before, renderDiagrams(machines));
  if (after !== before) fs.writeFileSync(WORKFLOW_DOC, after);
  const names = machines.map((m) => m.name).join(', ');
  process.stdout.write(
    `${path.relative(process.cwd(), WORKFLOW_DOC)}: ${machines.length} state machine(s) (${names})${after === before ? ', unchanged' : ', updated'}\n`,
  );
}
