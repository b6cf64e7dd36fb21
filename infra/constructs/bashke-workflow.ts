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
  /** Where the failed-executions alarm goes. */
  readonly alerts: OpsAlerts;
  /**
   * The failed-executions alarm's description: what a failure leaves undone, and who acts.
   * @default 'An execution of <id> failed.'
   */
  readonly failureDescription?: string;
}

/** What callers of a workflow may do with the key its data is encrypted with. */
const WORKFLOW_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * The one way the project makes a state machine: Standard, X-Ray tracing, every event
 * logged without execution data to its own encrypted log group, definition and history
 * encrypted with the customer-managed key, and an alarm to operations on any failed
 * execution. Callers get the key use with their grants (`grantStartExecution`,
 * `grantTaskResponse`), bound to this state machine.
 */
export class BashkeWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly failedExecutionsAlarm: cloudwatch.Alarm;
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

    // A failed execution leaves its work without a next step: someone must look at it.
    this.failedExecutionsAlarm = props.alerts.alarmOnFailures(this, 'ExecutionsFailed', {
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      description: props.failureDescription ?? `An execution of ${id} failed.`,
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
