import { DUE_SHARDS } from '../../shared/data/keys';
import type {
  DueItem,
  MeetingDueItem,
  MeetingMailDueItem,
  OrgRecord,
  OutboxDueItem,
  ReminderDueItem,
  TaskMailDueItem,
} from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { firstReminder } from '../../shared/domain/reminders';
import type { Stage, StageInput } from '../../shared/domain/stages';
import { FINAL_CASE_STATUSES } from '../../shared/domain/tasks';
import type { RetryOutboxResult } from '../../shared/email/outbox';
import type { TaskCallback } from '../../shared/tasks/complete-task';
import { logger as rootLogger } from '../../shared/util/logger';
import { type MeetingStepDeps, resumeMeetingMail, runMeetingStep, sendTaskMail } from './meetings';
import { type ReminderDeps, sendReminders } from './reminders';

export interface StageStarter {
  start(stage: Stage, name: string, input: StageInput): Promise<void>;
}

/** One attempt at an outbox message (shared/email/outbox.ts `retryOutbox`, bound to the SES mailer). */
export interface OutboxRetry {
  retry(item: OutboxDueItem, now: Date): Promise<RetryOutboxResult>;
}

export interface DispatchDueDeps
  extends Omit<ReminderDeps, 'store' | 'directory' | 'deadlines'>,
    Omit<MeetingStepDeps, 'store' | 'now'> {
  readonly store: ReminderDeps['store'] &
    MeetingStepDeps['store'] &
    Pick<
      Store,
      | 'listDuePage'
      | 'deleteDue'
      | 'getCase'
      | 'getTask'
      | 'listOrganisations'
      | 'startReminders'
      | 'replaceDue'
    >;
  readonly stages: StageStarter;
  /** Relays a done task's result to the execution that waits on it (TASK_ANSWER). */
  readonly callback: TaskCallback;
  readonly outbox: OutboxRetry;
  readonly now: () => Date;
  /** Items taken from each shard per run; the rest wait for the next minute. */
  readonly batchSize: number;
}

export interface DispatchReport {
  /** Items the shards' queries read (DynamoDB's `ScannedCount`): the sweep's cost. */
  readonly read: number;
  readonly started: number;
  readonly answered: number;
  /**
   * Reminder items taken, sent (to everyone not in quiet hours), and messages after digest;
   * the tasks this run marked overdue, per organisation (ReminderReport.overdueByOrg).
   */
  readonly reminders: {
    readonly due: number;
    readonly sent: number;
    readonly emails: number;
    readonly deferred: number;
    readonly overdueByOrg: Readonly<Record<string, number>>;
  };
  /**
   * Outbox attempts: sent, to be tried again, refused for good; `stale`, those waiting longer
   * than the alarm's threshold; `oldestSeconds`, the longest wait of a message still waiting.
   */
  readonly outbox: {
    readonly sent: number;
    readonly again: number;
    readonly rejected: number;
    readonly stale: number;
    readonly oldestSeconds: number;
  };
  /** Meetings' steps acted on (reminders sent, ends), and meeting tasks' first emails. */
  readonly meetings: { readonly steps: number; readonly taskMails: number; readonly resumed: number };
  readonly skipped: number;
  /** True when a shard had a full batch: more is due than one run takes. */
  readonly more: boolean;
}

/**
 * The one-minute sweep of the due-time index (ARCHITECTURE.md, principle 10): reads, in each
 * shard, only what is due by now (oldest first, at most `batchSize`), acts on it, and takes
 * it off the index. Its cost grows with what is due, never with what exists. A late or
 * skipped run catches up by itself, since everything due before now is still there; a
 * backlog larger than a batch drains over the next minutes.
 *
 * At least once, safe twice: a START_STAGE is a start with a deterministic name (the same
 * execution again is no new one); reminders and outbox messages are claimed before they are
 * sent (reminders.ts), so overlapping runs send each once. An item is removed only after its
 * action, so a failure leaves it for the next run.
 */
export async function dispatchDue(deps: DispatchDueDeps): Promise<DispatchReport> {
  const now = deps.now();
  const at = now.toISOString();
  let orgs: Promise<OrgRecord[]> | undefined;
  const directory = () => {
    orgs ??= deps.store.listOrganisations();
    return orgs;
  };
  const pages = await Promise.all(
    Array.from({ length: DUE_SHARDS }, (_, shard) => deps.store.listDuePage(shard, at, deps.batchSize)),
  );
  const read = pages.reduce((n, p) => n + p.scanned, 0);
  const more = pages.some((p) => p.items.length >= deps.batchSize);
  // Another run holds these (claimed, being sent): leave them to it.
  const items = pages
    .flatMap((p) => p.items)
    .filter((i) => !('claimedUntil' in i) || !i.claimedUntil || i.claimedUntil <= at);

  const reminderItems = items.filter((i): i is ReminderDueItem => i.type === 'REMINDER');
  const reminders = await sendReminders({ ...deps, directory }, reminderItems, now);

  let started = 0;
  let answered = 0;
  let skipped = 0;
  const outbox = { sent: 0, again: 0, rejected: 0, stale: 0, oldestSeconds: 0 };
  const meetings = { steps: 0, taskMails: 0, resumed: 0 };
  for (const item of items) {
    if (item.type === 'REMINDER') continue;
    if (item.type === 'MEETING') {
      const result = await runMeetingStep({ ...deps, now: deps.now }, item, directory, now);
      if (result === 'sent' || result === 'ended') meetings.steps += 1;
      else if (result === 'dropped') skipped += 1;
      continue;
    }
    if (item.type === 'MEETING_MAIL') {
      const result = await resumeMeetingMail({ ...deps, now: deps.now }, item, directory, now);
      if (result === 'sent') meetings.resumed += 1;
      else if (result === 'dropped') skipped += 1;
      continue;
    }
    if (item.type === 'TASK_MAIL') {
      const result = await sendTaskMail({ ...deps, now: deps.now }, item, directory, now);
      if (result === 'sent') meetings.taskMails += 1;
      else if (result === 'dropped') skipped += 1;
      continue;
    }
    if (item.type === 'OUTBOX') {
      const result = await retryOutbox(deps, item, now);
      if (result === 'held') continue;
      outbox[result === 'stale' ? 'again' : result] += 1;
      if (result === 'stale') outbox.stale += 1;
      if (result === 'again' || result === 'stale') {
        outbox.oldestSeconds = Math.max(
          outbox.oldestSeconds,
          (now.getTime() - Date.parse(item.queuedAt)) / 1000,
        );
      }
      continue;
    }
    const acted = await act(deps, item);
    if (acted === 'started') started += 1;
    else if (acted === 'answered') answered += 1;
    else skipped += 1;
    await deps.store.deleteDue(item);
  }
  return {
    read,
    started,
    answered,
    reminders: {
      due: reminders.due,
      sent: reminders.sent,
      emails: reminders.emails,
      deferred: reminders.deferred,
      overdueByOrg: reminders.overdueByOrg,
    },
    outbox,
    meetings,
    skipped: skipped + reminders.dropped,
    more,
  };
}

/** An outbox message's next attempt: claimed first, so two runs never send it twice. */
async function retryOutbox(
  deps: DispatchDueDeps,
  item: OutboxDueItem,
  now: Date,
): Promise<'sent' | 'again' | 'stale' | 'rejected' | 'held'> {
  const until = new Date(now.getTime() + deps.reminders.claimSeconds * 1000).toISOString();
  if (!(await deps.store.claimDue(item, until, now.toISOString()))) return 'held';
  const outcome = await deps.outbox.retry(item, now);
  if (outcome.result === 'sent' || outcome.result === 'rejected') {
    // A message refused for good (an address SES rejects) would fail every sweep: it goes.
    if (outcome.result === 'rejected')
      (deps.log ?? rootLogger).error('an outbox message was refused', { error: outcome.error });
    await deps.store.deleteDue(item);
    return outcome.result;
  }
  await deps.store.replaceDue(item, until, outcome.next);
  return outcome.result === 'stale-again' ? 'stale' : 'again';
}

async function act(
  deps: DispatchDueDeps,
  item: Exclude<
    DueItem,
    ReminderDueItem | OutboxDueItem | MeetingDueItem | TaskMailDueItem | MeetingMailDueItem
  >,
): Promise<'started' | 'answered' | 'skipped'> {
  if (item.type === 'START_STAGE') {
    const c = await deps.store.getCase(item.caseId);
    // A withdrawn or closed case starts nothing more.
    if (!c || FINAL_CASE_STATUSES.includes(c.status) || (c.cycle ?? 1) !== item.input.cycle) return 'skipped';
    await deps.stages.start(item.stage, item.ref, item.input);
    return 'started';
  }
  const task = await deps.store.getTask(item.taskId);
  if (item.type === 'TASK_ANSWER') {
    if (!task?.sfnTaskToken || !task.result) return 'skipped';
    await deps.callback.succeed(task.sfnTaskToken, { taskId: task.taskId, result: task.result });
    return 'answered';
  }
  // TASK_DUE: a task from before reminders. It gets its reminder chain from where it stands
  // (the steps already passed are told once, by the next run).
  if (task?.status !== 'OPEN' || task.reminderAt) return 'skipped';
  const first = firstReminder(task, deps.reminders, deps.calendar, new Date(Date.parse(item.dueAt) - 1));
  if (!first) return 'skipped';
  await deps.store.startReminders(task, first);
  return 'started';
}
