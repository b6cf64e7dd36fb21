/**
 * Task inputs across a deploy (docs/deploy.md §9): a running execution keeps the definition it
 * started on, so each step's handler reads this build's input version and the previous one.
 * The previous definitions' inputs are kept as a fixture; when TASK_INPUT_VERSION goes up, the
 * fixture of the version before it joins this test.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  InvalidTaskInputError,
  parseTaskInput,
  TASK_INPUT_VERSION,
  type TaskStep,
  taskInputs,
} from '../../shared/workflow/task-input';

const PREVIOUS = TASK_INPUT_VERSION - 1;
const fixture = JSON.parse(
  readFileSync(path.join(__dirname, `../fixtures/task-inputs/v${PREVIOUS}.json`), 'utf8'),
) as { inputs: Record<TaskStep, Record<string, unknown>[]> };
const steps = Object.keys(taskInputs) as TaskStep[];

describe('task input versions', () => {
  it('keeps an input of the previous version for every step', () => {
    expect(Object.keys(fixture.inputs).sort()).toEqual([...steps].sort());
  });

  it.each(steps)('%s: reads the previous version and this one alike', (step) => {
    for (const previous of fixture.inputs[step]) {
      const old = PREVIOUS === 0 ? previous : { ...previous, v: PREVIOUS };
      const upgraded = parseTaskInput(step, old);
      // What the previous definition meant, in this version's shape.
      expect(taskInputs[step].safeParse(upgraded).success).toBe(true);
      if (PREVIOUS === 0)
        expect(parseTaskInput(step, { ...previous, v: TASK_INPUT_VERSION })).toEqual(upgraded);
    }
  });

  it.each([TASK_INPUT_VERSION + 1, PREVIOUS - 1, '1', null])(
    'refuses version %p, naming the versions it reads',
    (v) => {
      const input = { ...(fixture.inputs.caseEnded[0] as Record<string, unknown>), v };
      expect(() => parseTaskInput('caseEnded', input)).toThrow(InvalidTaskInputError);
      expect(() => parseTaskInput('caseEnded', input)).toThrow(
        `this build accepts ${PREVIOUS} and ${TASK_INPUT_VERSION}`,
      );
    },
  );

  it('still refuses a field no version has, and a missing one, at either version', () => {
    const input = fixture.inputs.caseEnded[0] as Record<string, unknown>;
    for (const v of [{}, { v: TASK_INPUT_VERSION }]) {
      expect(() => parseTaskInput('caseEnded', { ...input, ...v, person: 'x' })).toThrow(
        InvalidTaskInputError,
      );
      expect(() => parseTaskInput('caseEnded', { ...v, caseId: input.caseId })).toThrow(
        InvalidTaskInputError,
      );
    }
    expect(() => parseTaskInput('caseEnded', null)).toThrow(InvalidTaskInputError);
    expect(() => parseTaskInput('caseEnded', [input])).toThrow(InvalidTaskInputError);
  });
});
