import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OpsAlerts } from './ops-alerts';

/** Builds a workflow's states in `scope` and returns the chain that starts it. */
export type DefinitionBuilder = (scope: Construct) => sfn.IChainable;

export interface BashkeWorkflowProps {
  /** The states, e.g. `(scope) => referralDefinition(scope, { functions, offerDeadline })`. */
  readonly definition: DefinitionBuilder;
  /** Encrypts the definition, the execution history and the log group. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Where the failed, timed-out and aborted executions alarms go. */
  readonly alerts: OpsAlerts;
  /**
   * What the workflow is, for the alarms' descriptions, e.g. `referral workflow`,
   * `assessment stage`.
   * @default the construct id
   */
  readonly label?: string;
}

/**
 * How the executions alarms count: the sum over five minutes, firing on the first. Any failed,
 * timed-out or aborted execution leaves a case without its next step, and nothing retries a
 * whole execution: one is already someone's work.
 */
const EXECUTIONS_PERIOD = Duration.minutes(5);

/** What callers of a workflow may do with the key its data is encrypted with. */
const WORKFLOW_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * The one way the project makes a state machine: Standard, X-Ray tracing, every event
 * logged without execution data to its own encrypted log group, definition and history
 * encrypted with the customer-managed key, and alarms to operations on any failed, timed-out
 * or aborted execution. Callers get the key use with their grants (`grantStartExecution`,
 * `grantTaskResponse`), bound to this state machine.
 */
export class BashkeWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly failedExecutionsAlarm: cloudwatch.Alarm;
  readonly timedOutExecutionsAlarm: cloudwatch.Alarm;
  readonly abortedExecutionsAlarm: cloudwatch.Alarm;
  /** See BashkeWorkflowProps.label. */
  readonly label: string;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: BashkeWorkflowProps) {
    super(scope, id);
    this.key = props.key;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // `Default`: the state machine and its role keep the logical ids a state machine made
    // directly in the stack with this id would have.
    this.stateMachine = new sfn.StateMachine(this, 'Default', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(props.definition(new Construct(this, 'States'))),
      // Executions carry ids only; still, history and logs never hold execution data.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
    });

    // Workflow data is encrypted under the state machine's ARN as encryption context. CDK's
    // own grant names an ARN without the generated name (no physical name is set), so the
    // role gets a statement that matches the real one: CloudFormation names the state
    // machine after its logical id, then a dash and a random suffix. (Its own ARN here would
    // make the role depend on the state machine that depends on the role.)
    const stack = Stack.of(this);
    const logicalId = stack.getLogicalId(this.stateMachine.node.defaultChild as sfn.CfnStateMachine);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: WORKFLOW_KEY_ACTIONS,
        resources: [props.key.keyArn],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:states:stateMachineArn': `arn:${stack.partition}:states:${stack.region}:${stack.account}:stateMachine:${logicalId}-*`,
          },
        },
      }),
    );

    // An execution that ended badly leaves its case without a next step: someone must look.
    const label = props.label ?? id;
    this.label = label;
    const sum = { period: EXECUTIONS_PERIOD, statistic: 'Sum' };
    this.failedExecutionsAlarm = props.alerts.alarmOnFailures(this, 'ExecutionsFailed', {
      metric: this.stateMachine.metricFailed(sum),
      description:
        `An execution of the ${label} failed (${stack.stackName}): its case has no next step and needs a coordinator. ` +
        'The developer on call reads the failed state and its error in the execution history.',
    });
    this.timedOutExecutionsAlarm = props.alerts.alarmOnFailures(this, 'ExecutionsTimedOut', {
      metric: this.stateMachine.metricTimedOut(sum),
      description:
        `An execution of the ${label} timed out (${stack.stackName}): it ran past its time limit and stopped, its case ` +
        'has no next step and needs a coordinator. The developer on call finds in the history which wait never ended.',
    });
    this.abortedExecutionsAlarm = props.alerts.alarmOnFailures(this, 'ExecutionsAborted', {
      metric: this.stateMachine.metricAborted(sum),
      description:
        `An execution of the ${label} was stopped by hand (${stack.stackName}; the system never stops one): its case ` +
        'has no next step. Whoever stopped it tells the coordinator; if nobody on the team did, treat it as a security incident (CloudTrail names the caller).',
    });
  }

  get stateMachineArn(): string {
    return this.stateMachine.stateMachineArn;
  }

  /** Lets `grantee` start executions, with the key use their input needs. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee).combine(this.grantKeyUse(grantee));
  }

  /** Lets `grantee` answer callback tasks (SendTask*), with the key use the answer needs. */
  grantTaskResponse(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantTaskResponse(grantee).combine(this.grantKeyUse(grantee));
  }

  /** The ops key, for this state machine's data only. */
  private grantKeyUse(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: WORKFLOW_KEY_ACTIONS,
      resourceArns: [this.key.keyArn],
      conditions: {
        StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachineArn },
      },
    });
  }
}
