/**
 * The whole case on the workflow tier: the five synthesized state machines (referral and the
 * four case stages) on the engine's control plane, every step bound in-process to its real
 * use case, DynamoStore on DynamoDB Local, a recording mailer and the engine's clock. The
 * due-time sweep (in the app an EventBridge schedule every minute) runs when a test calls
 * `dispatch()`, starting stage executions on this engine.
 */
import { acceptCase } from '../../functions/accept-case/accept-case';
import { type ActionLinkDeps, submitAction, viewAction } from '../../functions/action-link/action-link';
import { caseEnded } from '../../functions/case-ended/case-ended';
import { closeOffer } from '../../functions/close-offer/close-offer';
import { type DispatchReport, dispatchDue } from '../../functions/dispatch-due/dispatch-due';
import { markUnassigned } from '../../functions/mark-unassigned/mark-unassigned';
import { notifyTasks } from '../../functions/notify-tasks/notify-tasks';
import { openTask } from '../../functions/open-task/open-task';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { scheduleStage } from '../../functions/schedule-stage/schedule-stage';
import { publicHolidays } from '../../infra/holidays';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { MeetingStore } from '../../shared/data/meeting-store';
import { deadlineConfigFrom } from '../../shared/domain/deadlines';
import type { Directory } from '../../shared/domain/directory';
import type { Stage, stageExecutionName } from '../../shared/domain/stages';
import type { OutgoingEmail } from '../../shared/email/mailer';
import type { TaskClock } from '../../shared/tasks/task-context';
import { dispatchDeps } from './dispatch';
import { createTestTable, type TestTable } from './dynamodb-local';
import { type SynthesizedStateMachine, synthStateMachines } from './workflow-asl';
import { startWorkflowEngine, WorkflowClock, type WorkflowEngine } from './workflow-engine';
import { RecordingMailer } from './workflow-fakes';

export const ACTION_BASE_URL = 'https://api.bashke.test';

export const STAGE_MACHINES: Readonly<Record<Stage, string>> = {
  assessment: 'AssessmentWorkflow',
  assistance: 'AssistanceWorkflow',
  'follow-up': 'FollowUpWorkflow',
  closure: 'ClosureWorkflow',
};

export const ALL_MACHINES = ['ReferralWorkflow', ...Object.values(STAGE_MACHINES)];

export function synthCaseMachines(): Record<string, SynthesizedStateMachine> {
  return synthStateMachines({ stateMachines: ALL_MACHINES });
}

export interface CaseWorld {
  readonly table: TestTable;
  readonly store: MeetingStore;
  readonly mailer: RecordingMailer;
  readonly clock: WorkflowClock;
  readonly wf: WorkflowEngine;
  readonly taskClock: TaskClock;
  readonly actionDeps: ActionLinkDeps;
  /** Executions started by the sweep, by name. */
  readonly started: Map<string, string>;
  /** One run of the due-time sweep at the engine's now. */
  dispatch(): Promise<DispatchReport>;
  stop(): Promise<void>;
}

export async function startCaseWorld(
  machines: Record<string, SynthesizedStateMachine>,
  directory: Directory,
  start = '2026-03-10T08:00:00.000Z',
): Promise<CaseWorld> {
  const table = await createTestTable('case');
  const store = new MeetingStore(table.client, table.tableName);
  for (const region of directory.regions) await store.seedRegion(region);
  for (const org of directory.organisations) await store.seedOrganisation(org);
  const mailer = new RecordingMailer();
  const clock = new WorkflowClock(start);
  const now = clock.nowFn;
  const config = (machines.ReferralWorkflow as SynthesizedStateMachine).config;
  const year = Number(start.slice(0, 4));
  const taskClock: TaskClock = {
    now,
    deadlines: deadlineConfigFrom(config.deadlines, config.offerDeadlineHours),
    reminders: config.reminders,
    calendar: {
      timeZone: config.timeZone,
      holidays: new Set(publicHolidays(config.holidayCountry, year, 3)),
    },
  };
  const mail = { store, mailer, actionBaseUrl: ACTION_BASE_URL, ...taskClock };
  const started = new Map<string, string>();
  const engine = await startWorkflowEngine({
    definitions: machines,
    clock,
    functions: {
      PrepareOfferFn: (e) =>
        prepareOffer({ ...taskClock, store, now, offerDeadlineHours: taskClock.deadlines.OFFER.amount }, e),
      OpenTaskFn: (e) => openTask(mail, e),
      CloseOfferFn: (e) => closeOffer({ store, mailer, now }, e),
      AcceptCaseFn: (e) => acceptCase({ store, mailer, now }, e),
      MarkUnassignedFn: (e) => markUnassigned({ store, mailer, now }, e),
      ScheduleStageFn: (e) => scheduleStage({ ...taskClock, store }, e),
      NotifyTasksFn: (e) => notifyTasks(mail, e),
      CaseEndedFn: (e) => caseEnded({ store, mailer, now }, e),
    },
  });
  const callback = new SfnTaskCallback(engine.sfn);
  const stages = {
    start: async (stage: Stage, name: string, input: Parameters<typeof stageExecutionName>[1]) => {
      if (started.has(name)) return;
      started.set(name, await engine.start(STAGE_MACHINES[stage], { ...input, part: input.part ?? 0 }, name));
    },
  };
  return {
    table,
    store,
    mailer,
    clock,
    wf: engine,
    taskClock,
    actionDeps: { ...taskClock, store, callback },
    started,
    dispatch: () => dispatchDue(dispatchDeps({ store, stages, callback, mailer, now, taskClock })),
    stop: async () => {
      await engine.stop();
      await table.drop();
    },
  };
}

/** The action token of the newest email to `address` whose subject matches. */
export function linkIn(world: CaseWorld, address: string, subject?: RegExp): string {
  const mail = world.mailer
    .to(address)
    .filter(
      (m: OutgoingEmail) =>
        m.text.includes(`${ACTION_BASE_URL}/actions/`) && (!subject || subject.test(m.subject)),
    )
    .at(-1);
  if (!mail) throw new Error(`no task email to ${address}${subject ? ` matching ${subject}` : ''}`);
  const match = /\/actions\/([A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!match?.[1]) throw new Error('the email has no action link');
  return match[1];
}

/** Opens the link (GET) and posts the form, as the person does. */
export async function act(world: CaseWorld, token: string, fields: [string, string][]) {
  const view = await viewAction(world.actionDeps, token);
  if (view.kind !== 'confirm') throw new Error(`the link shows ${view.kind}`);
  return submitAction(world.actionDeps, token, new URLSearchParams(fields));
}
