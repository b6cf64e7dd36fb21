import { readFileSync } from 'node:fs';
import {
  type AssemblyStateMachine,
  diagramsIn,
  renderDiagrams,
  synthStateMachines,
  WORKFLOW_DOC,
  withDiagrams,
} from '../../scripts/workflow-diagrams';

const HINT =
  'docs/workflow.md is out of date with the synthesized state machines: run `npm run docs:workflows`';

/** The first line where two texts part, for a message that shows where. */
function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i < 0 ? a.length : i;
  return `line ${at + 1} of the diagrams:\n  committed: ${a[at] ?? '(nothing)'}\n  generated: ${b[at] ?? '(nothing)'}`;
}

describe('docs/workflow.md diagrams', () => {
  let machines: AssemblyStateMachine[];
  let markdown: string;

  beforeAll(() => {
    machines = synthStateMachines();
    markdown = readFileSync(WORKFLOW_DOC, 'utf8');
  });

  it('holds the diagrams the generator renders from the current synthesis', () => {
    const committed = diagramsIn(markdown);
    if (committed === undefined) throw new Error(`${HINT} (its diagram markers are missing)`);
    const generated = renderDiagrams(machines);
    if (committed !== generated) throw new Error(`${HINT}\n${firstDifference(committed, generated)}`);
  });

  it('has one diagram for every state machine of the assembly', () => {
    expect(machines.map((m) => m.name)).toContain('ReferralWorkflow');
    const headings = [...markdown.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(machines.map((m) => m.name));
    expect(markdown.match(/```mermaid\nstateDiagram-v2\n/g)).toHaveLength(machines.length);
  });

  it('shows a human step and where its timeout leads', () => {
    expect(markdown).toMatch(/state "[^"]+ \(\.waitForTaskToken, timeout [^)]+\)" as \w+/);
    expect(markdown).toMatch(/\w+ --> \w+ : catch States\.Timeout/);
  });

  it('is left as it is by a run of the generator (byte for byte)', () => {
    expect(withDiagrams(markdown, renderDiagrams(machines))).toBe(markdown);
  });
});
