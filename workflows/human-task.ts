import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { TaskKind } from '../shared/domain/task-kinds';
import { TASK_CANCELLED_ERROR, TASK_INPUT_VERSION } from '../shared/workflow/task-input';
import { LAMBDA_SERVICE_RETRY, STEP_TIMEOUT, STEP_TRANSIENT_RETRY } from './steps';

/** Errors that end a stage quietly: its task was cancelled (withdrawal) or the case has ended. */
export const CASE_ENDED_ERRORS = [TASK_CANCELLED_ERROR, 'CaseClosedError'] as const;

/** Where the human-task step finds the case facts it needs, as JSONPath or fixed values. */
export interface TaskSubject {
  /** @default '$.cycle' */
  readonly cycle?: string | number;
  /** @default '$.sequence' */
  readonly sequence?: string | number;
  /** A task opened by an earlier step (the offer's, by PrepareOffer); otherwise the step opens it. */
  readonly taskIdPath?: string;
  /** With `taskIdPath`: where its organisation is, so the step reads nothing before arming. */
  readonly orgIdPath?: string;
}

export interface HumanTaskProps {
  readonly kind: TaskKind;
  /** The open-task function (functions/open-task): opens, arms and emails the task. */
  readonly openTask: IFunction;
  readonly subject?: TaskSubject;
  /**
   * How long the workflow waits at most. For a kind with an expiry (the offer) that is the
   * expiry, and `States.Timeout` is the kind's "no answer" path; for every other kind it is
   * the stage ceiling, and `States.Timeout` continues the stage in a new execution (the task
   * stays open: its due instant is soft).
   */
  readonly timeout: Duration;
  readonly onTimeout: sfn.IChainable;
  /** The task was cancelled or the case ended: the stage stops here. */
  readonly onCaseEnded: sfn.IChainable;
  readonly failed: sfn.IChainable;
  /** Where the answer `{ taskId, result }` goes in the state. */
  readonly resultPath: string;
}

function field(name: string, value: string | number): Record<string, unknown> {
  return typeof value === 'string' ? { [`${name}.$`]: value } : { [name]: value };
}

/** The payload every open-task invocation shares: ids and small facts, never the person; its input version. */
function openTaskPayload(kind: TaskKind, subject: TaskSubject = {}): Record<string, unknown> {
  return {
    'caseId.$': '$.caseId',
    'reference.$': '$.reference',
    'region.$': '$.region',
    ...field('cycle', subject.cycle ?? '$.cycle'),
    ...field('sequence', subject.sequence ?? '$.sequence'),
    kind,
    ...(subject.taskIdPath ? { 'taskId.$': subject.taskIdPath } : {}),
    ...(subject.orgIdPath ? { 'orgId.$': subject.orgIdPath } : {}),
    v: TASK_INPUT_VERSION,
  };
}

/**
 * One human step (ARCHITECTURE.md, principles 5 and 9): a `.waitForTaskToken` Lambda task
 * that opens the task of `kind`, emails its single-use link and waits for whoever does it
 * (the link or the API answers with SendTaskSuccess `{ taskId, result }`). A workflow says
 * only what the task is and where its paths lead; the wiring is here, the same for every kind.
 */
export function humanTask(scope: Construct, id: string, props: HumanTaskProps): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.openTask,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      ...openTaskPayload(props.kind, props.subject),
      taskToken: sfn.JsonPath.taskToken,
    }),
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(props.timeout),
    resultPath: props.resultPath,
  });
  task.addRetry(LAMBDA_SERVICE_RETRY);
  task.addRetry(STEP_TRANSIENT_RETRY);
  task.addCatch(props.onTimeout, { errors: [sfn.Errors.TIMEOUT], resultPath: sfn.JsonPath.DISCARD });
  task.addCatch(props.onCaseEnded, { errors: [...CASE_ENDED_ERRORS], resultPath: sfn.JsonPath.DISCARD });
  task.addCatch(props.failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  return task;
}

/**
 * A task no workflow waits on (the child protection unit's, the day-30 review): the same
 * record, link and email, opened by the same function without a task token.
 */
export function standaloneTask(
  scope: Construct,
  id: string,
  props: Pick<HumanTaskProps, 'kind' | 'openTask' | 'subject' | 'onCaseEnded' | 'failed'>,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.openTask,
    payload: sfn.TaskInput.fromObject(openTaskPayload(props.kind, props.subject)),
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(STEP_TIMEOUT),
    resultPath: sfn.JsonPath.DISCARD,
  });
  task.addRetry(LAMBDA_SERVICE_RETRY);
  task.addRetry(STEP_TRANSIENT_RETRY);
  task.addCatch(props.onCaseEnded, { errors: ['CaseClosedError'], resultPath: sfn.JsonPath.DISCARD });
  task.addCatch(props.failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  return task;
}
