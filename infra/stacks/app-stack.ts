import { type CfnElement, CfnOutput, Duration, Fn, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import { ROLES } from '../../shared/domain/codes';
import type { Stage } from '../../shared/domain/stages';
import { ENV } from '../../shared/util/env';
import {
  assessmentDefinition,
  assistanceDefinition,
  closureDefinition,
  followUpDefinition,
} from '../../workflows/case-stages';
import { referralDefinition } from '../../workflows/referral';
import { type DeploymentConfig, deadlineEnvironment } from '../config';
import { Api } from '../constructs/api';
import { BashkeFunction } from '../constructs/bashke-function';
import { bashkeMetric } from '../constructs/bashke-metrics';
import { BashkeWorkflow } from '../constructs/bashke-workflow';
import { DeliveryEvents } from '../constructs/delivery-events';
import { Mail } from '../constructs/mail';
import { OpsAlerts } from '../constructs/ops-alerts';
import { OpsDashboard } from '../constructs/ops-dashboard';
import { OpsKey } from '../constructs/ops-key';
import { SignIn } from '../constructs/sign-in';

export interface AppStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly table: ITableV2;
  readonly auditTable: ITableV2;
  /**
   * The named stage (`-c stage=prod`): it names the dashboard, `Bashke-<stage>`.
   * @default the dashboard is `Bashke-<stack name>` (the local configuration)
   */
  readonly stage?: string;
}

/**
 * Each function's bundle budget in KiB (BashkeFunctionProps.bundleBudgetKiB): its minified
 * size when set, plus about a tenth for the logic still to come. The SDK clients set the
 * floor (DynamoDB alone is ~300 KiB); SES adds ~30. A function missing here gets the
 * construct's default.
 *
 * The functions that send mail carry nodemailer's MailComposer (SesMailer builds raw MIME for
 * SendRawEmail): ~145 KiB minified, whose module code runs only at the first send (a lazy
 * import) but whose bytes are still parsed at cold start. Their budgets rose by 160 KiB for it
 * (issue 9, "Email people can read and trust"). The task functions grew by ~10 KiB with the
 * reminder plan (shared/domain/reminders.ts): each new task carries its first reminder.
 *
 * The workflow-step functions (every one wrapped by shared/workflow/step-handler.ts) log with
 * Powertools' Logger and its `injectLambdaContext` (issue 8): ~21 KiB minified with its
 * commons, so their budgets rose by 24 KiB. The HTTP functions keep the house logger and
 * their budgets: there Powertools' cold-start cost counts against the request path's target.
 *
 * Meetings (issue 10): the functions that mail invitations (meetings-api, and dispatch-due,
 * which invites to a series' next occurrence) carry ical-generator, ~37 KiB minified, and the
 * meeting use cases. Every function that reads task kinds carries the minutes' schema, and
 * those that complete tasks the meeting's side of completion: read-cases and case-commands
 * rose by 8 and 16 KiB.
 *
 * `directory-api`: the directory routes (issue 10), ~320 KiB when added.
 *
 * `stats-api`: the statistics route (issue 11), 357 KiB when added.
 *
 * Metrics (issue 12): the workflow steps that send mail count what SES accepted with Powertools'
 * Metrics, ~12 KiB minified beside the Logger's commons, so their budgets rose by 16 KiB. The
 * HTTP functions write the same lines with the house EmfMetrics (shared/util/metrics.ts),
 * ~1.5 KiB, within their budgets: Powertools' Metrics would cost the request path ~12 KiB and
 * about half the Logger's cold-import time.
 *
 * `console`: the web console's pages (issue 11). Its placeholder handler bundles to 0.3 KiB;
 * the budget is 900 because the real console imports the referral, case, task, meeting and statistics use cases (and the mailer);
 * the lead tunes it once the pages are written.
 */
export const BUNDLE_BUDGET_KIB: Readonly<Record<string, number>> = {
  'prepare-offer': 408,
  'open-task': 616,
  'notify-tasks': 600,
  'schedule-stage': 400,
  'case-ended': 588,
  'dispatch-due': 696,
  'close-offer': 588,
  'accept-case': 588,
  'mark-unassigned': 588,
  'create-referral': 384,
  'read-cases': 368,
  'tasks-api': 432,
  'case-commands': 624,
  'action-link': 440,
  'seed-directory': 336,
  retention: 480,
  'delivery-events': 616,
  'meetings-api': 640,
  'directory-api': 368,
  'stats-api': 392,
  console: 900,
};

/** Where the web console hangs off the API's URL (its routes: `/console` and `/console/{proxy+}`). */
export const CONSOLE_PATH = '/console';

/** The dispatcher's limit: its send budget ends 15 s before (functions/dispatch-due/handler.ts). */
export const DISPATCH_TIMEOUT_SECONDS = 60;

interface FunctionOptions {
  readonly environment?: Record<string, string>;
  /** Gets the mail environment and may send through the configuration set. */
  readonly sendsMail?: boolean;
  /** @default the house construct's */
  readonly timeout?: Duration;
  /** Reads the table and never writes it (`bindTable` with `readOnly`). @default false */
  readonly readsOnly?: boolean;
  /**
   * Records what it reads and writes in the audit table (every route, the action link, the
   * case steps). @default true
   */
  readonly audited?: boolean;
  /** Reads a case's audit trail back (coordinators). @default false */
  readonly readsAuditTrail?: boolean;
}

/** Stateless compute: API, sign-in, functions, the referral workflow, mail settings. */
export class AppStack extends Stack {
  readonly api: Api;
  readonly signIn: SignIn;
  readonly alerts: OpsAlerts;
  readonly referralWorkflow: BashkeWorkflow;
  readonly stageWorkflows: Readonly<Record<Stage, BashkeWorkflow>>;
  /**
   * The functions that answer or cancel human tasks (SendTaskSuccess/Failure): every workflow
   * with a human task grants each of them `grantTaskResponse`.
   */
  readonly taskResponders: readonly lambda.IFunction[];
  /** SES delivery events: the configuration set's EventBridge destination, rule and dead letters. */
  readonly deliveryEvents: DeliveryEvents;
  /** The operations dashboard, `Bashke-<stage or stack name>`. */
  readonly dashboard: OpsDashboard;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { config, table, auditTable } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const opsKey = new OpsKey(this, 'OpsKey');
    this.alerts = new OpsAlerts(this, 'OpsAlerts', {
      key: opsKey,
      ...(config.coordinatorEmail ? { subscriberEmail: config.coordinatorEmail } : {}),
    });
    const mail = new Mail(this, 'Mail', {
      senderEmail: config.senderEmail,
      ...(config.senderDomain ? { senderDomain: config.senderDomain } : {}),
      alerts: this.alerts,
    });
    // The links in emails and the console hang off the public base URL when the configuration
    // names one (a custom domain in front of the API), else off the API's own URL.
    // The console's client names the console's URL; the API's JWT authorizer needs the pool.
    // The URL is read lazily (at synth), so the pool comes first. No cycle in the template:
    // the authorizer lists the app client only, never the console's.
    const baseUrl = Lazy.string({ produce: () => config.publicBaseUrl ?? this.api.url });
    const consoleUrl = Lazy.string({ produce: () => `${baseUrl}${CONSOLE_PATH}` });
    this.signIn = new SignIn(this, 'Users', {
      groups: ROLES,
      consoleUrl,
      domainPrefix: config.signInDomainPrefix,
    });
    this.api = new Api(this, 'Api', {
      userPool: this.signIn.userPool,
      userPoolClients: [this.signIn.appClient],
      logKey: opsKey,
      logRetention,
      alerts: this.alerts,
    });

    const fn = (id: string, useCase: string, options: FunctionOptions = {}) => {
      const f = new BashkeFunction(this, id, {
        useCase,
        logKey: opsKey,
        alerts: this.alerts,
        logRetention,
        environment: { ...(options.sendsMail ? mail.environment : {}), ...options.environment },
        ...(options.timeout ? { timeout: options.timeout } : {}),
        ...(BUNDLE_BUDGET_KIB[useCase] ? { bundleBudgetKiB: BUNDLE_BUDGET_KIB[useCase] } : {}),
      }).bindTable(table, { readOnly: options.readsOnly ?? false });
      if (options.audited ?? true) f.bindAudit(auditTable, { readsTrail: options.readsAuditTrail ?? false });
      if (options.sendsMail) mail.grantSend(f);
      return f;
    };
    const workflowOps = { key: opsKey, logRetention, alerts: this.alerts };
    // Every function that puts a due instant on a task: the deadlines, the holidays (generated
    // at synth) and the zone they are counted in.
    const taskClock = { ...deadlineEnvironment(config, new Date()), [ENV.TIME_ZONE]: config.timeZone };

    // --- human tasks and case stages ---------------------------------------------------------
    // One function opens every human task (waited on or standalone), for every workflow.
    const openTask = fn('OpenTaskFn', 'open-task', {
      sendsMail: true,
      environment: { ...taskClock, [ENV.ACTION_BASE_URL]: baseUrl },
    });
    const scheduleStage = fn('ScheduleStageFn', 'schedule-stage', { environment: taskClock });
    const stageFns = {
      openTask,
      scheduleStage,
      notifyTasks: fn('NotifyTasksFn', 'notify-tasks', {
        sendsMail: true,
        environment: { ...taskClock, [ENV.ACTION_BASE_URL]: baseUrl },
      }),
      caseEnded: fn('CaseEndedFn', 'case-ended', { sendsMail: true }),
    };

    // --- referral workflow ---------------------------------------------------------------
    const steps = {
      prepareOffer: fn('PrepareOfferFn', 'prepare-offer', { environment: taskClock }),
      openTask,
      closeOffer: fn('CloseOfferFn', 'close-offer', { sendsMail: true }),
      acceptCase: fn('AcceptCaseFn', 'accept-case', { sendsMail: true }),
      markUnassigned: fn('MarkUnassignedFn', 'mark-unassigned', { sendsMail: true }),
      scheduleStage,
    };
    this.referralWorkflow = new BashkeWorkflow(this, 'ReferralWorkflow', {
      ...workflowOps,
      definition: (states) =>
        referralDefinition(states, {
          functions: steps,
          offerDeadline: Duration.seconds(Math.round(config.offerDeadlineHours * 3600)),
        }),
      label: 'referral workflow',
    });

    // Each stage of a case is its own state machine, each execution well under six months
    // (docs/workflow.md); the due-time index starts the next.
    const ceiling = Duration.days(config.deadlines.stageCeilingDays);
    const stageProps = { functions: stageFns, ceiling };
    this.stageWorkflows = {
      assessment: new BashkeWorkflow(this, 'AssessmentWorkflow', {
        ...workflowOps,
        definition: (states) => assessmentDefinition(states, stageProps),
        label: 'assessment stage',
      }),
      assistance: new BashkeWorkflow(this, 'AssistanceWorkflow', {
        ...workflowOps,
        definition: (states) => assistanceDefinition(states, stageProps),
        label: 'assistance stage',
      }),
      'follow-up': new BashkeWorkflow(this, 'FollowUpWorkflow', {
        ...workflowOps,
        definition: (states) =>
          followUpDefinition(states, { ...stageProps, checkIns: config.deadlines.followUpMonths.length }),
        label: 'follow-up stage',
      }),
      closure: new BashkeWorkflow(this, 'ClosureWorkflow', {
        ...workflowOps,
        definition: (states) => closureDefinition(states, stageProps),
        label: 'closure stage',
      }),
    };
    const workflows = [this.referralWorkflow, ...Object.values(this.stageWorkflows)];

    // The one-minute sweep of the due-time index: starts stages, marks tasks overdue.
    // A run sends at most what the SES rate allows in its budget (reminders.ts), well inside this.
    // The sweeps act on many tasks at once; what they change is on each case's timeline.
    const dispatchDue = fn('DispatchDueFn', 'dispatch-due', {
      sendsMail: true,
      audited: false,
      timeout: Duration.seconds(DISPATCH_TIMEOUT_SECONDS),
      environment: {
        ...taskClock,
        [ENV.ACTION_BASE_URL]: baseUrl,
        [ENV.STAGE_STATE_MACHINES]: Stack.of(this).toJsonString(
          Object.fromEntries(
            Object.entries(this.stageWorkflows).map(([stage, w]) => [stage, w.stateMachineArn]),
          ),
        ),
      },
    });
    for (const w of Object.values(this.stageWorkflows)) w.grantStartExecution(dispatchDue);
    // It relays the answer of a task done before a continued stage waited on it (TASK_ANSWER).
    for (const w of workflows) w.grantTaskResponse(dispatchDue);
    // Mail that has waited in the outbox past the threshold (SES down or throttling for long).
    this.alerts.alarmOnFailures(this, 'OutboxStaleAlarm', {
      description:
        `Emails have waited in the outbox for more than ${config.reminders.outboxAlarmMinutes} minutes: ` +
        'SES refuses or throttles sending. Check the SES console (sending paused, quota) and the DispatchDue logs.',
      metric: bashkeMetric('OutboxStale'),
    });
    // An audit record that could not be written (shared/audit/edge.ts): the read it belonged to
    // was answered 503, but a change it recorded has happened without its record.
    this.alerts.alarmOnFailures(this, 'AuditWriteFailedAlarm', {
      description:
        'Audit records could not be written to the AuditTable: reads were refused (503) and some changes went ' +
        'unrecorded. Check the AuditTable (throttling, its KMS key) and the logs for "audit write failed"; ' +
        'tell the data-protection officer which requests (by request id) have no record.',
      metric: bashkeMetric('AuditWriteFailed'),
    });
    new events.Rule(this, 'DispatchDueEveryMinute', {
      description: 'Acts on what fell due on the due-time index (stages to start, reminders, the outbox).',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new eventsTargets.LambdaFunction(dispatchDue, { retryAttempts: 2 })],
    });

    // --- delivery events ------------------------------------------------------------------
    // SES's events of the configuration set: delivery records, unreachable contacts, escalation.
    const deliveryEvents = fn('DeliveryEventsFn', 'delivery-events', {
      sendsMail: true,
      audited: false,
      environment: { ...taskClock, [ENV.ACTION_BASE_URL]: baseUrl },
      // An unreachable contact's tasks are emailed one by one; below the follow-up's claim
      // (NOTICE_LEASE_MS, 45 s), so a claim never lapses under a run still going.
      timeout: Duration.seconds(30),
    });
    this.deliveryEvents = new DeliveryEvents(this, 'DeliveryEvents', {
      configurationSet: mail.configurationSet,
      handler: deliveryEvents,
      key: opsKey,
      alerts: this.alerts,
    });

    // --- API functions and routes --------------------------------------------------------
    const createReferral = fn('CreateReferralFn', 'create-referral', {
      environment: {
        [ENV.STATE_MACHINE_ARN]: this.referralWorkflow.stateMachineArn,
        [ENV.TIME_ZONE]: config.timeZone,
        [ENV.INTERVIEW_MAX_AGE_DAYS]: String(config.interviewMaxAgeDays),
      },
    });
    this.referralWorkflow.grantStartExecution(createReferral);
    const actionLink = fn('ActionLinkFn', 'action-link', { environment: taskClock });
    for (const w of workflows) w.grantTaskResponse(actionLink);

    this.api.addRoute('/referrals', [HttpMethod.POST], createReferral);
    // Public: the emailed link is the credential (a single-use token, stored hashed).
    this.api.addRoute('/actions/{token}', [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST], actionLink, {
      public: true,
    });
    // An invitation's answer link (accept, decline, tentative): the same rules as a task's.
    this.api.addRoute('/rsvp/{token}', [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST], actionLink, {
      public: true,
    });

    // --- case and task API ---------------------------------------------------------------
    // `GetCaseFn`: the read function keeps the id it had as get-case (its log group's too).
    // It only reads (cases, tasks, events, and organisations through the directory cache).
    const readCases = fn('GetCaseFn', 'read-cases', { readsOnly: true, readsAuditTrail: true });
    const tasksApi = fn('TasksApiFn', 'tasks-api', { environment: taskClock });
    const caseCommands = fn('CaseCommandsFn', 'case-commands', {
      sendsMail: true,
      environment: {
        ...taskClock,
        [ENV.STATE_MACHINE_ARN]: this.referralWorkflow.stateMachineArn,
        // A profile correction that makes the person a child emails the child-protection task's link.
        [ENV.ACTION_BASE_URL]: baseUrl,
      },
    });
    // An assignment or a transfer starts the referral workflow again.
    this.referralWorkflow.grantStartExecution(caseCommands);
    // They answer (a completion) or cancel (a withdrawal) the human tasks of every workflow.
    for (const w of workflows)
      for (const responder of [tasksApi, caseCommands]) w.grantTaskResponse(responder);
    this.api.addRoute('/cases', [HttpMethod.GET], readCases);
    this.api.addRoute('/cases/{caseId}', [HttpMethod.GET], readCases);
    this.api.addRoute('/cases/{caseId}/timeline', [HttpMethod.GET], readCases);
    this.api.addRoute('/cases/{caseId}/audit', [HttpMethod.GET], readCases);
    this.api.addRoute('/cases/{caseId}/export', [HttpMethod.GET], readCases);
    this.api.addRoute('/tasks', [HttpMethod.GET], tasksApi);
    this.api.addRoute('/tasks/{taskId}', [HttpMethod.GET], tasksApi);
    this.api.addRoute('/tasks/{taskId}/completion', [HttpMethod.POST], tasksApi);
    this.api.addRoute('/tasks/{taskId}/deadline', [HttpMethod.POST], tasksApi);
    for (const command of [
      'assignment',
      'plan',
      'withdrawal',
      'closure',
      'profile-correction',
      'transfer',
      'reopening',
    ]) {
      this.api.addRoute(`/cases/{caseId}/${command}`, [HttpMethod.POST], caseCommands);
    }
    // --- end of case and task API ----------------------------------------------------------

    // --- meetings of the cooperation group ---------------------------------------------------
    const meetings = fn('MeetingsFn', 'meetings-api', {
      sendsMail: true,
      environment: { ...taskClock, [ENV.ACTION_BASE_URL]: baseUrl },
    });
    this.api.addRoute('/meetings', [HttpMethod.GET, HttpMethod.POST], meetings);
    this.api.addRoute('/meetings/{meetingId}', [HttpMethod.GET, HttpMethod.PATCH], meetings);
    this.api.addRoute('/meetings/{meetingId}/cancellation', [HttpMethod.POST], meetings);
    this.api.addRoute('/meetings/{meetingId}/minutes', [HttpMethod.POST], meetings);
    // --- end of meetings -------------------------------------------------------------------

    // --- directory API (coordinators and admins; docs/access.md) ------------------------------
    const directoryApi = fn('DirectoryApiFn', 'directory-api');
    this.api.addRoute('/directory/organisations', [HttpMethod.GET, HttpMethod.POST], directoryApi);
    this.api.addRoute('/directory/organisations/{orgId}', [HttpMethod.GET, HttpMethod.PATCH], directoryApi);
    this.api.addRoute('/directory/organisations/{orgId}/deactivation', [HttpMethod.POST], directoryApi);
    this.api.addRoute('/directory/organisations/{orgId}/history', [HttpMethod.GET], directoryApi);
    // --- end of directory API ------------------------------------------------------------------

    // --- statistics (coordinators and council members; docs/stats.md) -------------------------
    const statsApi = fn('StatsApiFn', 'stats-api', {
      readsOnly: true,
      environment: { [ENV.TIME_ZONE]: config.timeZone },
    });
    this.api.addRoute('/stats', [HttpMethod.GET], statsApi);
    // --- end of statistics ---------------------------------------------------------------------

    // --- web console (issue 11; SECURITY.md "Console") ------------------------------------------
    // Server-rendered pages for every role. It does what the API functions above do (creates
    // referrals, assigns cases, completes tasks, runs meetings, reads statistics), so it gets
    // the union of their environments and grants, and signs its users in through managed login.
    const consoleFn = fn('ConsoleFn', 'console', {
      sendsMail: true,
      readsAuditTrail: true,
      environment: {
        ...taskClock,
        [ENV.STATE_MACHINE_ARN]: this.referralWorkflow.stateMachineArn,
        [ENV.ACTION_BASE_URL]: baseUrl,
        [ENV.INTERVIEW_MAX_AGE_DAYS]: String(config.interviewMaxAgeDays),
        [ENV.CONSOLE_BASE_URL]: consoleUrl,
        [ENV.OAUTH_BASE_URL]: this.signIn.domain.baseUrl(),
        [ENV.OAUTH_CLIENT_ID]: this.signIn.consoleClient.userPoolClientId,
        [ENV.USER_POOL_PROVIDER_URL]: this.signIn.userPool.userPoolProviderUrl,
      },
    });
    this.referralWorkflow.grantStartExecution(consoleFn);
    for (const w of workflows) w.grantTaskResponse(consoleFn);
    // Public: the console checks its own session (a cookie naming a server-side session).
    this.api.addRoute('/console', [HttpMethod.GET], consoleFn, { public: true });
    this.api.addRoute('/console/{proxy+}', [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST], consoleFn, {
      public: true,
    });
    // --- end of web console ------------------------------------------------------------------

    this.taskResponders = [actionLink, tasksApi, caseCommands, consoleFn];

    // --- operations ----------------------------------------------------------------------
    // Retention (DOMAIN.md): once a day, cases that ended longer ago than the configured days are
    // erased down to the anonymous figures the statistics count (functions/retention).
    const retention = fn('RetentionFn', 'retention', {
      timeout: Duration.minutes(5),
      environment: { [ENV.RETENTION_DAYS]: String(config.caseRetentionDays) },
    });
    new events.Rule(this, 'RetentionDaily', {
      description: 'Erases the cases whose retention after closure has run out.',
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [new eventsTargets.LambdaFunction(retention, { retryAttempts: 2 })],
    });

    // The seed is the deployment's own load of the directory file, not anyone's access.
    const seed = fn('SeedDirectoryFn', 'seed-directory', { timeout: Duration.seconds(60), audited: false });

    // The coordinator's address (coordinatorEmail) is subscribed in the stack; subscribe
    // anyone else on call to the topic after deploy.
    new CfnOutput(this, 'OpsAlertsTopicArn', { value: this.alerts.topicArn });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    if (mail.domainIdentity) {
      // Publish these in the sender domain's DNS: SES sends from it once they resolve.
      new CfnOutput(this, 'SenderDomainDkimRecords', {
        description: 'CNAME records to publish for the SES domain identity (Easy DKIM)',
        value: Fn.join('; ', mail.dkimRecordLines()),
      });
    }
    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl });
    new CfnOutput(this, 'UserPoolId', { value: this.signIn.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.signIn.appClient.userPoolClientId });
    new CfnOutput(this, 'ReferralStateMachineArn', { value: this.referralWorkflow.stateMachineArn });
    new CfnOutput(this, 'SeedDirectoryFunctionName', { value: seed.functionName });

    // Last: every function, workflow and alarm of the stack exists by now.
    this.dashboard = new OpsDashboard(this, 'OpsDashboard', {
      dashboardName: `Bashke-${props.stage ?? this.stackName}`,
      workflows: workflows.map((w) => ({ label: w.label, stateMachine: w.stateMachine })),
      functions: this.node
        .findAll()
        .filter((c): c is BashkeFunction => c instanceof BashkeFunction)
        .map((f) => ({ label: f.useCase, fn: f })),
      api: this.api.httpApi,
      deadLetterQueue: this.deliveryEvents.deadLetterQueue,
      alarms: this.alerts.alarms,
    });

    // Retained resources made before the stack was split into constructs keep their logical
    // ids: under a new one CloudFormation would create a second, empty resource (and a group
    // would lose its members). Everything made since has the ids its construct path gives.
    for (const [role, group] of Object.entries(this.signIn.groups)) keepLogicalId(group, `Group${role}`);
    keepLogicalId(this.api.accessLogs, 'ApiAccessLogsE9DF007D');
    keepLogicalId(this.referralWorkflow.logGroup, 'ReferralWorkflowLogsAAD11E41');
    // The open-task function was the send-offer function: its retained log group stays.
    keepLogicalId(openTask.ownLogGroup, 'SendOfferFnLogsE10F03BE');
  }
}

/** Pins the logical id of `construct` (an L1, or an L2's default child). */
function keepLogicalId(construct: IConstruct, logicalId: string): void {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  if (typeof element.overrideLogicalId !== 'function') {
    throw new Error(`${construct.node.path} has no CloudFormation element to keep ${logicalId} on`);
  }
  element.overrideLogicalId(logicalId);
}
