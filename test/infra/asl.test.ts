import aslValidator from 'asl-validator';
import { IDENTITY_FIELDS } from '../../shared/domain/referral';
import { TASK_INPUT_VERSION } from '../../shared/workflow/task-input';
import { LAMBDA_SERVICE_ERRORS, ReferralState, STEP_TRANSIENT_ERRORS } from '../../workflows/referral-states';
import {
  type AslDefinition,
  allStates,
  type ExtractedStateMachine,
  isCallback,
  isLambdaInvoke,
  jsonPaths,
  stateMachinesOf,
} from '../support/infra-asl';
import { disposeSynth, type SynthesizedBashke, synthBashke } from '../support/infra-synth';

let synth: SynthesizedBashke;
let machines: ExtractedStateMachine[];

beforeAll(() => {
  synth = synthBashke();
  machines = stateMachinesOf(synth.compute, synth.built.config.region);
});

afterAll(() => disposeSynth());

/** Every state of every machine, named by machine and state for failure messages. */
const everyState = () =>
  machines.flatMap((m) =>
    allStates(m.definition).map(([name, state]) => ({ at: `${m.logicalId}.${name}`, state })),
  );

describe('state machine definitions (ASL)', () => {
  it('finds the referral workflow and the four case stage workflows in the template', () => {
    expect(machines.map((m) => m.logicalId.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AssessmentWorkflow',
      'AssistanceWorkflow',
      'ClosureWorkflow',
      'FollowUpWorkflow',
      'ReferralWorkflow',
    ]);
    expect(everyState().length).toBeGreaterThan(0);
  });

  it('is valid Amazon States Language', () => {
    for (const m of machines) {
      // The validator writes QueryLanguage into the states it sees: give it a copy.
      const result = aslValidator(structuredClone(m.definition), { checkPaths: true, checkArn: true });
      expect({ machine: m.logicalId, errors: result.errorsText('\n') }).toEqual({
        machine: m.logicalId,
        errors: '',
      });
      expect(result.isValid).toBe(true);
    }
  });

  it('gives every Task state a TimeoutSeconds', () => {
    const tasks = everyState().filter(({ state }) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const { at, state } of tasks) {
      expect({ at, timeout: typeof state.TimeoutSeconds }).toEqual({ at, timeout: 'number' });
      expect(state.TimeoutSeconds).toBeGreaterThan(0);
    }
  });

  it('catches States.Timeout in every callback state, before any catch-all', () => {
    const callbacks = everyState().filter(({ state }) => isCallback(state));
    expect(callbacks.length).toBeGreaterThan(0);
    for (const { at, state } of callbacks) {
      const catchers = state.Catch ?? [];
      const timeout = catchers.findIndex((c) => c.ErrorEquals.includes('States.Timeout'));
      const all = catchers.findIndex((c) => c.ErrorEquals.includes('States.ALL'));
      expect({ at, catchesTimeout: timeout >= 0 }).toEqual({ at, catchesTimeout: true });
      if (all >= 0) expect(timeout).toBeLessThan(all);
    }
  });

  it('gives the offer callback the configured deadline as its timeout', () => {
    const offer = everyState().find(({ at }) => at.endsWith(`.${ReferralState.OFFER_TO_NGO}`));
    expect(offer && isCallback(offer.state)).toBe(true);
    // cdk.json's context, through the same parser (and defaults) the app uses.
    expect(offer?.state.TimeoutSeconds).toBe(synth.built.config.offerDeadlineHours * 3600);
  });

  it('retries the Lambda service errors and the steps’ own transient failures, with backoff and full jitter, and catches in every Lambda task', () => {
    const invokes = everyState().filter(({ state }) => isLambdaInvoke(state));
    expect(invokes.length).toBeGreaterThan(0);
    for (const { at, state } of invokes) {
      expect({ at, retry: state.Retry }).toEqual({
        at,
        retry: [
          {
            ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
            IntervalSeconds: expect.any(Number),
            MaxAttempts: expect.any(Number),
            BackoffRate: expect.any(Number),
            JitterStrategy: 'FULL',
          },
          {
            // Never States.Timeout: on a human task that is its deadline, not a fault.
            ErrorEquals: [...STEP_TRANSIENT_ERRORS],
            IntervalSeconds: expect.any(Number),
            MaxAttempts: expect.any(Number),
            BackoffRate: expect.any(Number),
            JitterStrategy: 'FULL',
          },
        ],
      });
      const [retry] = state.Retry ?? [];
      expect(retry?.IntervalSeconds).toBeGreaterThan(0);
      expect(retry?.MaxAttempts).toBeGreaterThan(1);
      expect(retry?.BackoffRate).toBeGreaterThan(1);
      expect({ at, catches: (state.Catch ?? []).length > 0 }).toEqual({ at, catches: true });
    }
  });

  it('invokes Lambda request-response, never as a fire-and-forget event', () => {
    for (const { at, state } of everyState().filter(({ state }) => isLambdaInvoke(state))) {
      const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
      expect({ at, invocationType: parameters.InvocationType ?? 'RequestResponse' }).toEqual({
        at,
        invocationType: 'RequestResponse',
      });
    }
  });

  it("sends this build's task input version in every Lambda step's payload", () => {
    const steps = everyState().filter(({ state }) => isLambdaInvoke(state));
    expect(steps.length).toBeGreaterThan(10);
    for (const { at, state } of steps) {
      const payload = ((state.Parameters ?? {}) as { Payload?: Record<string, unknown> }).Payload ?? {};
      expect({ at, v: payload.v }).toEqual({ at, v: TASK_INPUT_VERSION });
    }
  });

  it('uses JSONPath only: no JSONata, no variables, no context fields the local runtime lacks', () => {
    const hasKey = (value: unknown, key: string): boolean =>
      Array.isArray(value)
        ? value.some((v) => hasKey(v, key))
        : value !== null &&
          typeof value === 'object' &&
          Object.entries(value).some(([k, v]) => k === key || hasKey(v, key));
    for (const m of machines) {
      expect(m.json).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"/);
      expect(hasKey(m.definition, 'Assign')).toBe(false);
      expect(m.json).not.toContain('$$.State');
      expect(m.json).not.toContain('$$.Execution.StartTime');
    }
  });

  it('names its states exactly as ReferralState does', () => {
    const names = allStates((machines[0] as ExtractedStateMachine).definition).map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.values(ReferralState).sort());
  });

  it('starts at Init', () => {
    expect((machines[0] as ExtractedStateMachine).definition.StartAt).toBe(ReferralState.INIT);
  });

  it('carries ids only: no path reaches a free-text or identity field', () => {
    const forbidden = new Set(
      ['reason', 'text', 'comment', 'notes', ...IDENTITY_FIELDS].map((f) => f.toLowerCase()),
    );
    for (const m of machines) {
      const paths = jsonPaths(m.definition);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) {
        const segments = p
          .replace(/^\$\$?/, '')
          .split(/[.[\]'"]+/)
          .filter(Boolean);
        expect({ path: p, forbidden: segments.filter((s) => forbidden.has(s.toLowerCase())) }).toEqual({
          path: p,
          forbidden: [],
        });
      }
      // And nothing else in the definition mentions the decline reason.
      expect(m.json.toLowerCase()).not.toContain('reason');
    }
  });

  it('has a JSONPath scanner that sees nested parameters (self-test)', () => {
    const definition: AslDefinition = {
      StartAt: 'A',
      States: {
        A: {
          Type: 'Pass',
          Parameters: { deep: { 'why.$': '$.decision.reason' } },
          ResultPath: '$.out',
          End: true,
        },
      },
    };
    expect(jsonPaths(definition).sort()).toEqual(['$.decision.reason', '$.out']);
  });
});
