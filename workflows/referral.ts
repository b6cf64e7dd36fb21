import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { NO_PREVIOUS_OFFER } from '../shared/workflow/task-input';
import { ACCEPTED_OUTPUT, LAMBDA_SERVICE_ERRORS, NO_NGO_OUTPUT, ReferralState as S } from './referral-states';

/** The house retry of every Lambda step: the service's own errors, with backoff and full jitter. */
const LAMBDA_SERVICE_RETRY: sfn.RetryProps = {
  errors: [...LAMBDA_SERVICE_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

export interface ReferralFunctions {
  readonly prepareOffer: IFunction;
  readonly sendOffer: IFunction;
  readonly closeOffer: IFunction;
  readonly acceptCase: IFunction;
  readonly markUnassigned: IFunction;
}

export interface ReferralDefinitionProps {
  readonly functions: ReferralFunctions;
  /** How long an NGO has to answer an offer. */
  readonly offerDeadline: Duration;
  /** Upper bound of one Lambda step. @default 60 seconds */
  readonly stepTimeout?: Duration;
}

/**
 * The referral workflow, first version (DOMAIN.md stages 1-2): offer the case to NGOs one
 * after another until one accepts or none is left. State input and output hold ids, the
 * case reference and the region (what later steps need for emails and recipients, so they
 * need not read the case for it), never the person; the decline reason stays in the table.
 */
export function referralDefinition(scope: Construct, props: ReferralDefinitionProps): sfn.IChainable {
  const stepTimeout = sfn.Timeout.duration(props.stepTimeout ?? Duration.seconds(60));
  const failed = new sfn.Fail(scope, S.FAILED, {
    error: 'ReferralWorkflowFailed',
    cause: 'A referral step failed; the case needs a coordinator.',
  });

  /** A Lambda step with the house retry policy and a catch-all to the failure state. */
  const step = (
    id: string,
    fn: IFunction,
    payload: Record<string, unknown>,
    result?: { selector: Record<string, string>; path: string },
  ) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      retryOnServiceExceptions: false,
      taskTimeout: stepTimeout,
      ...(result
        ? { resultSelector: result.selector, resultPath: result.path }
        : { resultPath: sfn.JsonPath.DISCARD }),
    });
    task.addRetry(LAMBDA_SERVICE_RETRY);
    task.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return task;
  };

  const init = new sfn.Pass(scope, S.INIT, {
    parameters: {
      'caseId.$': '$.caseId',
      'reference.$': '$.reference',
      'region.$': '$.region',
      offer: { found: false, taskId: NO_PREVIOUS_OFFER },
    },
  });

  const prepareOffer = step(
    S.PREPARE_OFFER,
    props.functions.prepareOffer,
    { 'caseId.$': '$.caseId', 'afterTaskId.$': '$.offer.taskId' },
    {
      selector: {
        'found.$': '$.Payload.found',
        'taskId.$': '$.Payload.taskId',
        'orgId.$': '$.Payload.orgId',
      },
      path: '$.offer',
    },
  );

  const offerToNgo = new tasks.LambdaInvoke(scope, S.OFFER_TO_NGO, {
    lambdaFunction: props.functions.sendOffer,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      'caseId.$': '$.caseId',
      'taskId.$': '$.offer.taskId',
      'orgId.$': '$.offer.orgId',
      'reference.$': '$.reference',
      taskToken: sfn.JsonPath.taskToken,
    }),
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(props.offerDeadline),
    resultPath: '$.decision',
  });
  offerToNgo.addRetry(LAMBDA_SERVICE_RETRY);

  const closeInput = {
    'caseId.$': '$.caseId',
    'taskId.$': '$.offer.taskId',
    'orgId.$': '$.offer.orgId',
    'reference.$': '$.reference',
    'region.$': '$.region',
  };
  const closeTimedOut = step(S.CLOSE_TIMED_OUT, props.functions.closeOffer, {
    ...closeInput,
    outcome: 'timed_out',
  });
  offerToNgo.addCatch(closeTimedOut, { errors: [sfn.Errors.TIMEOUT], resultPath: sfn.JsonPath.DISCARD });
  offerToNgo.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

  const closeDeclined = step(S.CLOSE_DECLINED, props.functions.closeOffer, {
    ...closeInput,
    outcome: 'declined',
  });
  const acceptCase = step(S.ACCEPT_CASE, props.functions.acceptCase, {
    'caseId.$': '$.caseId',
    'taskId.$': '$.offer.taskId',
  });
  const markUnassigned = step(S.MARK_UNASSIGNED, props.functions.markUnassigned, {
    'caseId.$': '$.caseId',
    'reference.$': '$.reference',
    'region.$': '$.region',
  });

  const accepted = new sfn.Pass(scope, S.ACCEPTED, { result: sfn.Result.fromObject(ACCEPTED_OUTPUT) });
  const noNgo = new sfn.Pass(scope, S.NO_NGO, { result: sfn.Result.fromObject(NO_NGO_OUTPUT) });

  closeTimedOut.next(prepareOffer);
  closeDeclined.next(prepareOffer);

  return init
    .next(prepareOffer)
    .next(
      new sfn.Choice(scope, S.NGO_FOUND)
        .when(
          sfn.Condition.booleanEquals('$.offer.found', true),
          offerToNgo.next(
            new sfn.Choice(scope, S.DECISION)
              .when(sfn.Condition.stringEquals('$.decision.decision', 'accept'), acceptCase.next(accepted))
              .otherwise(closeDeclined),
          ),
        )
        .otherwise(markUnassigned.next(noNgo)),
    );
}
