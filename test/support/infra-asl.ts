import type { Template } from 'aws-cdk-lib/assertions';
import { resourcesOf } from './infra-synth';

/** Account of the placeholder ARNs. */
export const PLACEHOLDER_ACCOUNT = '123456789012';

export interface AslRetrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly JitterStrategy?: string;
  readonly [key: string]: unknown;
}

export interface AslCatcher {
  readonly ErrorEquals: string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
  readonly [key: string]: unknown;
}

export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly Retry?: AslRetrier[];
  readonly Catch?: AslCatcher[];
  readonly [key: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly [key: string]: unknown;
}

export interface ExtractedStateMachine {
  readonly logicalId: string;
  /** The DefinitionString with its CloudFormation tokens replaced by placeholders. */
  readonly json: string;
  readonly definition: AslDefinition;
}

/**
 * Turns the tokens CDK puts into a DefinitionString into plain text: `Fn::Join` is joined,
 * pseudo parameters get fixed values, `Ref`/`Fn::GetAtt` of a resource become a
 * placeholder (a Lambda's `Arn` a well-formed ARN, so the validator's ARN check applies).
 * Unknown intrinsics throw rather than being guessed.
 */
export function resolveTokens(template: Template, region: string, value: unknown): string {
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  const resolve = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v);
      const [fn, arg] = entries[0] ?? [];
      if (entries.length === 1 && fn === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
        return (arg[1] as unknown[]).map(resolve).join(String(arg[0]));
      }
      if (entries.length === 1 && fn === 'Ref' && typeof arg === 'string') {
        const pseudo: Record<string, string> = {
          'AWS::Partition': 'aws',
          'AWS::Region': region,
          'AWS::AccountId': PLACEHOLDER_ACCOUNT,
          'AWS::URLSuffix': 'amazonaws.com',
        };
        const known = pseudo[arg] ?? (resources[arg] ? `ref-${arg}` : undefined);
        if (known !== undefined) return known;
      }
      if (entries.length === 1 && fn === 'Fn::GetAtt' && Array.isArray(arg) && arg.length === 2) {
        const [id, attribute] = arg as [string, string];
        const type = resources[id]?.Type;
        if (type === 'AWS::Lambda::Function' && attribute === 'Arn') {
          return `arn:aws:lambda:${region}:${PLACEHOLDER_ACCOUNT}:function:${id}`;
        }
        if (type) return `getatt-${id}-${attribute}`;
      }
    }
    throw new Error(`unsupported token in a state machine definition: ${JSON.stringify(v)}`);
  };
  return resolve(value);
}

/** Every state machine of the template, its definition parsed. */
export function stateMachinesOf(template: Template, region: string): ExtractedStateMachine[] {
  return resourcesOf(template, 'AWS::StepFunctions::StateMachine').map(([logicalId, resource]) => {
    const json = resolveTokens(template, region, resource.Properties?.DefinitionString);
    return { logicalId, json, definition: JSON.parse(json) as AslDefinition };
  });
}

/** Every state, including those inside Parallel branches and Map processors, by name. */
export function allStates(definition: AslDefinition): [string, AslState][] {
  const out: [string, AslState][] = [];
  const visit = (machine: { States?: Record<string, AslState> } | undefined) => {
    for (const [name, state] of Object.entries(machine?.States ?? {})) {
      out.push([name, state]);
      for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) visit(branch);
      visit(state.ItemProcessor as AslDefinition | undefined);
      visit(state.Iterator as AslDefinition | undefined);
    }
  };
  visit(definition);
  return out;
}

/** Task states that invoke Lambda (request-response or callback). */
export function isLambdaInvoke(state: AslState): boolean {
  return state.Type === 'Task' && /:states:::lambda:invoke(\.\w+)?$/.test(state.Resource ?? '');
}

export function isCallback(state: AslState): boolean {
  return state.Type === 'Task' && (state.Resource ?? '').endsWith('.waitForTaskToken');
}

/**
 * The JSONPath expressions of a definition: values of `*.$` keys and of the `*Path` /
 * `Variable` fields, found at any depth.
 */
export function jsonPaths(value: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [key, inner] of Object.entries(v)) {
      if (typeof inner === 'string' && (key.endsWith('.$') || key.endsWith('Path') || key === 'Variable')) {
        out.push(inner);
      }
      visit(inner);
    }
  };
  visit(value);
  return out;
}
