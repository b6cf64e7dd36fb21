import type { InvokeResult, LocalStateMachine } from '../../local/engine/model';
import { FAKE_ACCOUNT } from './workflow-asl';

/** What the control-plane tests share: one region and account, ARNs, a machine from a definition. */
export const REGION = 'eu-central-1';
export const ACCOUNT = FAKE_ACCOUNT;

export const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
export const executionArn = (machine: string, name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:${name}`;
export const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

export const ok = (payload: unknown): InvokeResult => ({ ok: true, payload });

export function machine(name: string, definition: object): LocalStateMachine {
  return {
    logicalId: name,
    stackName: 'Test',
    name,
    arn: machineArn(name),
    definition: JSON.stringify(definition),
  };
}

/** Polls (real time) until `probe` returns a value (not undefined, not false). */
export async function eventually<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
