import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { buildApp } from '../../infra/build-app';
import type { DeploymentConfig } from '../../infra/config';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** Account of the fake ARNs; the region is the deployment's. */
export const FAKE_ACCOUNT = '123456789012';

export interface SynthesizedStateMachine {
  /** The definition as Step Functions would receive it, CloudFormation tokens resolved. */
  readonly definition: StateMachineDefinition;
  /** The raw DefinitionString after resolution (exact JSON text). */
  readonly definitionJson: string;
  /** Logical id of the state machine resource, e.g. `ReferralWorkflow23448CAA`. */
  readonly logicalId: string;
  /** Lambda functions the definition names: logical id -> fake ARN. */
  readonly functionArns: ReadonlyMap<string, string>;
  /** The deployment configuration the app was synthesized with. */
  readonly config: DeploymentConfig;
  /**
   * The fake ARN of the function whose logical id is `constructId` plus CDK's 8-character
   * hash (e.g. `PrepareOfferFn` -> `PrepareOfferFn5DAF18BC`). Throws when the definition
   * does not name exactly one such function.
   */
  functionArn(constructId: string): string;
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

function fakeLambdaArn(region: string, logicalId: string): string {
  return `arn:aws:lambda:${region}:${FAKE_ACCOUNT}:function:${logicalId}`;
}

/** The logical ids CDK gives a construct with id `constructId` at stack level. */
function logicalIdPattern(constructId: string): RegExp {
  return new RegExp(`^${constructId.replace(/[^A-Za-z0-9]/g, '')}[0-9A-F]{8}$`);
}

/**
 * Resolves the intrinsic functions CDK puts into a DefinitionString: `Fn::Join`, the
 * pseudo parameters, and `Fn::GetAtt [<Lambda>, Arn]` (to a fake ARN, recorded). Anything
 * else is refused, so a new kind of reference in the definition is noticed, not guessed.
 */
function resolver(template: Template, region: string, functionArns: Map<string, string>) {
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value);
      const [fn, arg] = entries[0] ?? [];
      if (entries.length === 1 && fn === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map(resolve).join(separator);
      }
      if (entries.length === 1 && fn === 'Ref' && typeof arg === 'string') {
        const pseudo: Record<string, string> = {
          'AWS::Partition': 'aws',
          'AWS::Region': region,
          'AWS::AccountId': FAKE_ACCOUNT,
          'AWS::URLSuffix': 'amazonaws.com',
        };
        const known = pseudo[arg];
        if (known !== undefined) return known;
      }
      if (entries.length === 1 && fn === 'Fn::GetAtt' && Array.isArray(arg) && arg[1] === 'Arn') {
        const logicalId = String(arg[0]);
        if (template.Resources[logicalId]?.Type === 'AWS::Lambda::Function') {
          const arn = fakeLambdaArn(region, logicalId);
          functionArns.set(logicalId, arn);
          return arn;
        }
      }
    }
    throw new Error(`unsupported token in the state machine definition: ${JSON.stringify(value)}`);
  };
  return resolve;
}

/**
 * Synthesizes the Bashkë app as `cdk synth` would (every context value of cdk.json,
 * including the `bashke` configuration and the feature flags) and returns one state
 * machine's definition, ready for a local runtime. Asset bundling is skipped: it does not
 * change a definition and would run esbuild for every function.
 */
export function synthStateMachine(opts: { stack?: string; stateMachine: string }): SynthesizedStateMachine {
  const machine = synthStateMachines({ ...opts, stateMachines: [opts.stateMachine] })[opts.stateMachine];
  if (!machine) throw new Error(`no state machine ${opts.stateMachine}`);
  return machine;
}

/** Several state machines of one synthesis, by name (one synth instead of one per machine). */
export function synthStateMachines(opts: {
  stack?: string;
  stateMachines: readonly string[];
}): Record<string, SynthesizedStateMachine> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = mkdtempSync(path.join(tmpdir(), 'bashke-workflow-synth-'));
  try {
    const app = new App({
      outdir,
      context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    });
    const { config, compute } = buildApp(app);
    const stackName = opts.stack ?? compute.stackName;
    const template = app.synth().getStackByName(stackName).template as Template;
    const out: Record<string, SynthesizedStateMachine> = {};
    for (const name of opts.stateMachines) out[name] = extract(template, config, name, stackName);
    return out;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function extract(
  template: Template,
  config: DeploymentConfig,
  stateMachine: string,
  stackName: string,
): SynthesizedStateMachine {
  const opts = { stateMachine };
  {
    const pattern = logicalIdPattern(opts.stateMachine);
    const machines = Object.entries(template.Resources).filter(
      ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && pattern.test(id),
    );
    if (machines.length !== 1) {
      throw new Error(
        `expected one state machine ${opts.stateMachine} in ${stackName}, found ${machines.length}`,
      );
    }
    const [logicalId, resource] = machines[0] as [string, { Properties?: Record<string, unknown> }];
    if (resource.Properties?.DefinitionSubstitutions) {
      throw new Error('DefinitionSubstitutions are not supported by this helper');
    }
    const functionArns = new Map<string, string>();
    const definitionJson = resolver(
      template,
      config.region,
      functionArns,
    )(resource.Properties?.DefinitionString);
    const definition = JSON.parse(definitionJson) as StateMachineDefinition;

    return {
      definition,
      definitionJson,
      logicalId,
      functionArns,
      config,
      functionArn(constructId: string) {
        const idPattern = logicalIdPattern(constructId);
        const matches = [...functionArns.entries()].filter(([id]) => idPattern.test(id));
        if (matches.length !== 1) {
          throw new Error(
            `expected the definition to name one function ${constructId}, found ${matches.length} ` +
              `(named: ${[...functionArns.keys()].join(', ')})`,
          );
        }
        return (matches[0] as [string, string])[1];
      },
    };
  }
}
