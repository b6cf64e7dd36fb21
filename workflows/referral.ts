import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { NO_PREVIOUS_OFFER } from '../shared/workflow/task-input';
import { humanTask, standaloneTask } from './human-task';
import { ACCEPTED_OUTPUT, ENDED_OUTPUT, NO_NGO_OUTPUT, ReferralState as S } from './referral-states';
import { lambdaStep } from './steps';

export interface ReferralFunctions {
  readonly prepareOffer: IFunction;
  /** The human-task step (functions/open-task). */
  readonly openTask: IFunction;
  readonly closeOffer: IFunction;
  readonly acceptCase: IFunction;
  readonly markUnassigned: IFunction;
  readonly scheduleStage: IFunction;
}

export interface ReferralDefinitionProps {
  readonly functions: ReferralFunctions;
  /** How long an NGO has to answer an offer: the offer's expiry. */
  readonly offerDeadline: Duration;
}

/**
 * The referral workflow (DOMAIN.md stages 1-3): the child protection unit is told at once
 * when the person is treated as a child; the case is offered to NGOs one after another until
 * one accepts or none is left; acceptance puts the assessment stage on the due-time index.
 * State input and output hold ids, the case reference and the region, never the person; the
 * decline reason stays in the table.
 */
export function referralDefinition(scope: Construct, props: ReferralDefinitionProps): sfn.IChainable {
  const fns = props.functions;
  const failed = new sfn.Fail(scope, S.FAILED, {
    error: 'ReferralWorkflowFailed',
    cause: 'A referral step failed; the case needs a coordinator.',
  });
  const ended = new sfn.Pass(scope, S.ENDED, { result: sfn.Result.fromObject(ENDED_OUTPUT) });
  // The child protection unit's task is the first cycle's whichever execution opens it; the
  // offer's task comes by id. What an acceptance schedules runs in the case's cycle, which
  // PrepareOffer reads (a transfer's offer starts a new one).
  const subject = { cycle: 1, sequence: 1 } as const;

  const init = new sfn.Pass(scope, S.INIT, {
    parameters: {
      'caseId.$': '$.caseId',
      'reference.$': '$.reference',
      'region.$': '$.region',
      offer: { found: false, taskId: NO_PREVIOUS_OFFER },
    },
  });
  const childProtection = standaloneTask(scope, S.CHILD_PROTECTION, {
    kind: 'CHILD_PROTECTION',
    openTask: fns.openTask,
    subject,
    onCaseEnded: ended,
    failed,
  });

  const prepareOffer = lambdaStep(scope, S.PREPARE_OFFER, {
    fn: fns.prepareOffer,
    payload: { 'caseId.$': '$.caseId', 'afterTaskId.$': '$.offer.taskId' },
    failed,
    result: {
      selector: {
        'found.$': '$.Payload.found',
        'taskId.$': '$.Payload.taskId',
        'orgId.$': '$.Payload.orgId',
        'cycle.$': '$.Payload.cycle',
      },
      path: '$.offer',
    },
  });

  const closeInput = {
    'caseId.$': '$.caseId',
    'taskId.$': '$.offer.taskId',
    'orgId.$': '$.offer.orgId',
    'reference.$': '$.reference',
    'region.$': '$.region',
  };
  const closeTimedOut = lambdaStep(scope, S.CLOSE_TIMED_OUT, {
    fn: fns.closeOffer,
    payload: { ...closeInput, outcome: 'timed_out' },
    failed,
  });
  const closeDeclined = lambdaStep(scope, S.CLOSE_DECLINED, {
    fn: fns.closeOffer,
    payload: { ...closeInput, outcome: 'declined' },
    failed,
  });

  const offerToNgo = humanTask(scope, S.OFFER_TO_NGO, {
    kind: 'OFFER',
    openTask: fns.openTask,
    subject: { ...subject, taskIdPath: '$.offer.taskId', orgIdPath: '$.offer.orgId' },
    timeout: props.offerDeadline,
    onTimeout: closeTimedOut,
    onCaseEnded: ended,
    failed,
    resultPath: '$.decision',
  });

  const acceptCase = lambdaStep(scope, S.ACCEPT_CASE, {
    fn: fns.acceptCase,
    payload: { 'caseId.$': '$.caseId', 'taskId.$': '$.offer.taskId' },
    failed,
  });
  const scheduleAssessment = lambdaStep(scope, S.SCHEDULE_ASSESSMENT, {
    fn: fns.scheduleStage,
    payload: {
      'caseId.$': '$.caseId',
      'reference.$': '$.reference',
      'region.$': '$.region',
      'cycle.$': '$.offer.cycle',
      sequence: 1,
      stage: 'assessment',
    },
    failed,
  });
  const markUnassigned = lambdaStep(scope, S.MARK_UNASSIGNED, {
    fn: fns.markUnassigned,
    payload: { 'caseId.$': '$.caseId', 'reference.$': '$.reference', 'region.$': '$.region' },
    failed,
  });

  const accepted = new sfn.Pass(scope, S.ACCEPTED, { result: sfn.Result.fromObject(ACCEPTED_OUTPUT) });
  const noNgo = new sfn.Pass(scope, S.NO_NGO, { result: sfn.Result.fromObject(NO_NGO_OUTPUT) });

  closeTimedOut.next(prepareOffer);
  closeDeclined.next(prepareOffer);

  return init
    .next(childProtection)
    .next(prepareOffer)
    .next(
      new sfn.Choice(scope, S.NGO_FOUND)
        .when(
          sfn.Condition.booleanEquals('$.offer.found', true),
          offerToNgo.next(
            new sfn.Choice(scope, S.DECISION)
              .when(
                sfn.Condition.stringEquals('$.decision.result', 'accept'),
                acceptCase.next(scheduleAssessment).next(accepted),
              )
              .otherwise(closeDeclined),
          ),
        )
        .otherwise(markUnassigned.next(noNgo)),
    );
}
