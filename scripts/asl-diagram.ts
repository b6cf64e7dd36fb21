/**
 * A Step Functions state machine (its ASL) as a Mermaid `stateDiagram-v2`, for
 * docs/workflow.md (scripts/workflow-diagrams.ts). Pure: no CDK, no file system.
 */

// --- ASL, as far as the diagram reads it -------------------------------------------------

export interface AslCatcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
}

export interface AslRetrier {
  readonly ErrorEquals: readonly string[];
  readonly MaxAttempts?: number;
}

/** A Choice rule: a comparison, or And / Or / Not of rules; top-level rules have Next. */
export interface AslChoiceRule {
  readonly Next?: string;
  readonly Variable?: string;
  readonly And?: readonly AslChoiceRule[];
  readonly Or?: readonly AslChoiceRule[];
  readonly Not?: AslChoiceRule;
  readonly [operator: string]: unknown;
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly AslChoiceRule[];
  readonly Catch?: readonly AslCatcher[];
  readonly Retry?: readonly AslRetrier[];
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly Error?: string;
  readonly Branches?: readonly AslMachine[];
  readonly ItemProcessor?: AslMachine;
  readonly Iterator?: AslMachine;
  readonly [key: string]: unknown;
}

export interface AslMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

// --- rendering ---------------------------------------------------------------------------

const COMPARISONS: Record<string, string> = {
  Equals: '==',
  LessThan: '<',
  GreaterThan: '>',
  LessThanEquals: '<=',
  GreaterThanEquals: '>=',
};

/** A Choice rule in brief, e.g. `$.offer.found == true`, `$.n > 3 and $.s matches 'a*'`. */
export function describeRule(rule: AslChoiceRule): string {
  if (rule.And) return rule.And.map((r) => `(${describeRule(r)})`).join(' and ');
  if (rule.Or) return rule.Or.map((r) => `(${describeRule(r)})`).join(' or ');
  if (rule.Not) return `not (${describeRule(rule.Not)})`;
  const variable = rule.Variable ?? '?';
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || key === 'Next') continue;
    const operand = key.endsWith('Path') ? String(value) : literal(value);
    const operator = key.replace(/Path$/, '');
    const comparison =
      /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals)$/.exec(
        operator,
      );
    if (comparison) return `${variable} ${COMPARISONS[comparison[2] ?? '']} ${operand}`;
    if (operator === 'StringMatches') return `${variable} matches ${operand}`;
    const test = /^Is(Present|Null|String|Numeric|Boolean|Timestamp)$/.exec(operator);
    if (test) {
      const what = (test[1] ?? '').toLowerCase();
      const label = ['present', 'null', 'numeric'].includes(what) ? what : `a ${what}`;
      return value === false ? `${variable} is not ${label}` : `${variable} is ${label}`;
    }
    return `${variable} ${key} ${operand}`;
  }
  return variable;
}

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** `259200` → `3d`, `5400` → `1h 30m`. */
export function duration(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join(' ');
}

/** Text Mermaid takes as a label: one line, no `;` (its statement separator), no `"` or `#`. */
function text(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/;/g, ',').replace(/"/g, "'").replace(/#/g, 'no. ').trim();
}

/** The label of a state: its name, its kind where the kind matters to a reader. */
function labelOf(name: string, state: AslState): string {
  const resource = state.Resource ?? '';
  const extras: string[] = [];
  if (state.Type === 'Task' && resource.endsWith('.waitForTaskToken')) extras.push('.waitForTaskToken');
  if (state.Type === 'Task' && state.TimeoutSeconds !== undefined)
    extras.push(`timeout ${duration(state.TimeoutSeconds)}`);
  if (state.Type === 'Task' && state.TimeoutSecondsPath) extras.push(`timeout ${state.TimeoutSecondsPath}`);
  if (state.Type === 'Map' || state.Type === 'Parallel' || state.Type === 'Choice' || state.Type === 'Wait')
    extras.push(state.Type);
  if (state.Type === 'Fail') extras.push(state.Error ? `Fail: ${state.Error}` : 'Fail');
  if (state.Type === 'Succeed') extras.push('Succeed');
  return extras.length > 0 ? `${name} (${extras.join(', ')})` : name;
}

/**
 * Renders one state machine as a Mermaid `stateDiagram-v2`: every state (those of Map and
 * Parallel states as composite states, a Parallel's branches as concurrent regions), its
 * Next / Default / Choice edges (labelled with the condition), Catch edges (labelled with the
 * error names), a note on each state with a Retry, and an edge to `[*]` from every state
 * that ends its machine. States come in the definition's own order, so the output is the
 * same for the same ASL.
 */
export function renderStateDiagram(machine: AslMachine): string {
  const lines: string[] = ['stateDiagram-v2'];
  const ids = new Map<AslMachine, Map<string, string>>();
  const used = new Set<string>();

  // Mermaid state ids are global to the diagram; ASL names are unique only within a machine.
  const assign = (m: AslMachine): void => {
    const names = new Map<string, string>();
    ids.set(m, names);
    for (const [name, state] of Object.entries(m.States)) {
      const base = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9_])/, 's') || 'state';
      let id = base;
      for (let n = 2; used.has(id); n += 1) id = `${base}_${n}`;
      used.add(id);
      names.set(name, id);
      for (const inner of innerMachines(state)) assign(inner);
    }
  };
  assign(machine);

  const render = (m: AslMachine, indent: string): void => {
    const idOf = (name: string): string => {
      const id = ids.get(m)?.get(name);
      if (!id) throw new Error(`the definition names a state it does not have: "${name}"`);
      return id;
    };
    const line = (s: string) => lines.push(`${indent}${s}`);
    line(`[*] --> ${idOf(m.StartAt)}`);
    for (const [name, state] of Object.entries(m.States)) {
      const id = idOf(name);
      line(`state "${text(labelOf(name, state))}" as ${id}`);
      const inner = innerMachines(state);
      if (inner.length > 0) {
        line(`state ${id} {`);
        inner.forEach((branch, i) => {
          if (i > 0) line('  --');
          render(branch, `${indent}  `);
        });
        line('}');
      }
    }
    for (const [name, state] of Object.entries(m.States)) {
      const id = idOf(name);
      for (const [i, rule] of (state.Choices ?? []).entries()) {
        if (rule.Next) line(`${id} --> ${idOf(rule.Next)} : ${text(`${i + 1}. ${describeRule(rule)}`)}`);
      }
      if (state.Default) line(`${id} --> ${idOf(state.Default)} : default`);
      if (state.Next) line(`${id} --> ${idOf(state.Next)}`);
      for (const catcher of state.Catch ?? []) {
        line(`${id} --> ${idOf(catcher.Next)} : ${text(`catch ${catcher.ErrorEquals.join(', ')}`)}`);
      }
      if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') line(`${id} --> [*]`);
      if (state.Retry && state.Retry.length > 0) {
        // MaxAttempts defaults to 3 in ASL.
        const retries = state.Retry.map((r) => `×${r.MaxAttempts ?? 3} on ${errorList(r.ErrorEquals)}`);
        line(`note right of ${id} : ${text(`retry ${retries.join(' / ')}`)}`);
      }
    }
  };
  render(machine, '  ');
  return lines.join('\n');
}

/**
 * Error names in brief: three or more of one family become `5 Lambda.* errors` (CDK's
 * Lambda task retries name five), fewer are named in full.
 */
function errorList(errors: readonly string[]): string {
  const families = new Map<string, string[]>();
  for (const error of errors) {
    const dot = error.indexOf('.');
    const family = dot > 0 && !error.startsWith('States.') ? error.slice(0, dot) : error;
    families.set(family, [...(families.get(family) ?? []), error]);
  }
  return [...families.entries()]
    .flatMap(([family, members]) => (members.length > 2 ? [`${members.length} ${family}.* errors`] : members))
    .join(', ');
}

function innerMachines(state: AslState): readonly AslMachine[] {
  if (state.Type === 'Parallel') return state.Branches ?? [];
  if (state.Type === 'Map') {
    const processor = state.ItemProcessor ?? state.Iterator;
    return processor ? [processor] : [];
  }
  return [];
}
