import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { Stage } from '../shared/domain/stages';
import {
  AssessmentState as A,
  ClosureState as C,
  FollowUpState as F,
  AssistanceState as R,
  StageState,
} from './case-stage-states';
import { humanTask, standaloneTask } from './human-task';
import { lambdaStep } from './steps';

export interface StageFunctions {
  /** The human-task step (functions/open-task). */
  readonly openTask: IFunction;
  readonly notifyTasks: IFunction;
  readonly scheduleStage: IFunction;
  readonly caseEnded: IFunction;
}

export interface StageDefinitionProps {
  readonly functions: StageFunctions;
  /**
   * The longest one execution waits on a task (under six months). Past it the stage goes on
   * in a new execution that waits on the same, still open task.
   */
  readonly ceiling: Duration;
}

/** The pieces every stage shares: its end states and the step that schedules a stage. */
function stageKit(scope: Construct, props: StageDefinitionProps) {
  const failed = new sfn.Fail(scope, StageState.FAILED, {
    error: 'CaseStageFailed',
    cause: 'A case stage step failed; the case needs a coordinator.',
  });
  const ended = new sfn.Succeed(scope, StageState.ENDED);
  const ids = {
    'caseId.$': '$.caseId',
    'reference.$': '$.reference',
    'region.$': '$.region',
    'cycle.$': '$.cycle',
  };
  /** Puts a stage on the due-time index: `sequence` is a number, a path or an intrinsic (`States.MathAdd`). */
  const schedule = (id: string, stage: Stage, sequence: string | number, part?: string) =>
    lambdaStep(scope, id, {
      fn: props.functions.scheduleStage,
      payload: {
        ...ids,
        ...(typeof sequence === 'number' ? { sequence } : { 'sequence.$': sequence }),
        stage,
        ...(part ? { 'part.$': part } : {}),
      },
      failed,
    });
  /** The stage waited its ceiling: the same stage run goes on in the next execution. */
  const continueIn = (id: string, stage: Stage) =>
    schedule(id, stage, '$.sequence', 'States.MathAdd($.part, 1)');
  const task = (
    id: string,
    kind: Parameters<typeof humanTask>[2]['kind'],
    onTimeout: sfn.IChainable,
    resultPath: string,
  ) =>
    humanTask(scope, id, {
      kind,
      openTask: props.functions.openTask,
      timeout: props.ceiling,
      onTimeout,
      onCaseEnded: ended,
      failed,
      resultPath,
    });
  const notify = (id: string) =>
    lambdaStep(scope, id, {
      fn: props.functions.notifyTasks,
      payload: { 'caseId.$': '$.caseId', 'reference.$': '$.reference' },
      failed,
    });
  return { failed, ended, schedule, continueIn, task, notify };
}

/**
 * Assessment (DOMAIN.md stages 4-6): the day-30 reflection review is opened and stands alone
 * (assistance never waits on it, nor on cooperation with the police); the NGO records the
 * needs found, then the assistance plan, whose items go to their organisations; the
 * assistance stage follows at once.
 */
export function assessmentDefinition(scope: Construct, props: StageDefinitionProps): sfn.IChainable {
  const k = stageKit(scope, props);
  const cont = k.continueIn(A.CONTINUE, 'assessment');
  const reflection = standaloneTask(scope, A.REFLECTION_REVIEW, {
    kind: 'REFLECTION_REVIEW',
    openTask: props.functions.openTask,
    onCaseEnded: k.ended,
    failed: k.failed,
  });
  return reflection
    .next(k.task(A.NEEDS_ASSESSMENT, 'NEEDS_ASSESSMENT', cont, '$.assessment'))
    .next(k.task(A.ASSISTANCE_PLAN, 'ASSISTANCE_PLAN', cont, '$.plan'))
    .next(k.notify(A.NOTIFY_PLAN_ITEMS))
    .next(k.schedule(A.SCHEDULE_ASSISTANCE, 'assistance', 1))
    .next(new sfn.Succeed(scope, A.DONE));
}

/**
 * Assistance (stage 6), one execution per plan review (every 3 months): the review may add
 * plan items; "continue" schedules the next review, "complete" moves the case to follow-up.
 */
export function assistanceDefinition(scope: Construct, props: StageDefinitionProps): sfn.IChainable {
  const k = stageKit(scope, props);
  const done = new sfn.Succeed(scope, R.DONE);
  return k
    .task(R.PLAN_REVIEW, 'PLAN_REVIEW', k.continueIn(R.CONTINUE, 'assistance'), '$.review')
    .next(k.notify(R.NOTIFY_NEW_ITEMS))
    .next(
      new sfn.Choice(scope, R.REVIEW_RESULT)
        .when(
          sfn.Condition.stringEquals('$.review.result', 'complete'),
          k.schedule(R.SCHEDULE_FOLLOW_UP, 'follow-up', 1).next(done),
        )
        .otherwise(
          k.schedule(R.SCHEDULE_NEXT_REVIEW, 'assistance', 'States.MathAdd($.sequence, 1)').next(done),
        ),
    );
}

/**
 * Follow-up (stage 7), one execution per check-in, each opening `followUpLeadDays` before its
 * date (the due-time index holds the start); after the last, closure.
 */
export function followUpDefinition(
  scope: Construct,
  props: StageDefinitionProps & { readonly checkIns: number },
): sfn.IChainable {
  const k = stageKit(scope, props);
  const done = new sfn.Succeed(scope, F.DONE);
  return k
    .task(F.FOLLOW_UP, 'FOLLOW_UP', k.continueIn(F.CONTINUE, 'follow-up'), '$.checkIn')
    .next(
      new sfn.Choice(scope, F.MORE)
        .when(
          sfn.Condition.numberLessThan('$.sequence', props.checkIns),
          k.schedule(F.SCHEDULE_NEXT, 'follow-up', 'States.MathAdd($.sequence, 1)').next(done),
        )
        .otherwise(k.schedule(F.SCHEDULE_CLOSURE, 'closure', 1).next(done)),
    );
}

/**
 * Closure (stage 8): the NGO proposes closed or closed-referred, the region's coordinator
 * confirms (the case reaches that status, and the officer and the NGO are told) or sends it
 * back, which asks for a new proposal.
 */
export function closureDefinition(scope: Construct, props: StageDefinitionProps): sfn.IChainable {
  const k = stageKit(scope, props);
  const cont = k.continueIn(C.CONTINUE, 'closure');
  const proposal = k.task(C.PROPOSAL, 'CLOSURE_PROPOSAL', cont, '$.proposal');
  const sendBack = new sfn.Pass(scope, C.SEND_BACK, {
    parameters: {
      'caseId.$': '$.caseId',
      'reference.$': '$.reference',
      'region.$': '$.region',
      'cycle.$': '$.cycle',
      'part.$': '$.part',
      'sequence.$': 'States.MathAdd($.sequence, 1)',
    },
  });
  sendBack.next(proposal);
  const tell = lambdaStep(scope, C.TELL_CLOSED, {
    fn: props.functions.caseEnded,
    payload: { 'caseId.$': '$.caseId', 'reference.$': '$.reference' },
    failed: k.failed,
  });
  return proposal
    .next(k.task(C.CONFIRMATION, 'CLOSURE_CONFIRMATION', cont, '$.confirmation'))
    .next(
      new sfn.Choice(scope, C.CONFIRMED)
        .when(
          sfn.Condition.stringEquals('$.confirmation.result', 'confirm'),
          tell.next(new sfn.Succeed(scope, C.CLOSED)),
        )
        .otherwise(sendBack),
    );
}
