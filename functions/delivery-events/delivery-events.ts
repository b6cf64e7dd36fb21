import type { DeliveryStore, RecordStatusResult, UnreachableReason } from '../../shared/data/delivery-store';
import type { OrgRecord, TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { deriveActionToken, issueActionToken } from '../../shared/domain/action-token';
import { focalPoints, type RecipientGroup, regionCoordinators } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { taskEmail, unreachableEmail } from '../../shared/email/templates';
import { taskRecipients } from '../../shared/tasks/assignees';
import { openLinkExpiry, type TaskClock } from '../../shared/tasks/task-context';
import { type Logger, logger as rootLogger } from '../../shared/util/logger';
import { type Metrics, noMetrics } from '../../shared/util/metrics';
import { parseSesEvent, type SesDeliveryEvent } from './ses-event';

export interface DeliveryEventsDeps extends Pick<TaskClock, 'now' | 'deadlines' | 'calendar'> {
  readonly deliveries: Pick<
    DeliveryStore,
    'recordStatus' | 'markContactUnreachable' | 'claimUnreachableNotice' | 'markUnreachableNoticed'
  >;
  readonly store: Pick<
    Store,
    'listOrganisations' | 'listOrgTasks' | 'getCase' | 'appendEvent' | 'addTaskLink'
  >;
  readonly mailer: Mailer;
  /** Public base URL of the API; links are built from configuration, never from a request. */
  readonly actionBaseUrl: string;
  /**
   * How long one run holds the follow-up of a marking: longer than the function runs, shorter
   * than Lambda's first retry (a minute), so a retried event finishes what a failed run began.
   * @default NOTICE_LEASE_MS
   */
  readonly noticeLeaseMs?: number;
  /** @default the shared logger */
  readonly log?: Logger;
  /** `EmailsBounced`, once per bounce event. @default noMetrics */
  readonly metrics?: Metrics;
}

/** See DeliveryEventsDeps.noticeLeaseMs (the function's timeout is 30 s). */
export const NOTICE_LEASE_MS = 45_000;

/**
 * What one event did: `recorded`, `repeat` or `unknown-message` (the message record's status
 * change, see RecordStatusResult), `ignored` (a detail type it does not act on) or `malformed`
 * (dropped, logged by field path only); then the contacts marked unreachable by this event, the
 * tasks escalated and the coordinator messages sent.
 */
export interface DeliveryEventReport {
  readonly outcome: 'recorded' | 'repeat' | 'unknown-message' | 'ignored' | 'malformed';
  readonly unreachable: number;
  readonly escalated: number;
  readonly notified: number;
}

/** The timeline type of a task sent on to someone else because its contact cannot be reached. */
export const TASK_ESCALATED_UNREACHABLE = 'TASK_ESCALATED_UNREACHABLE';

const OUTCOME: Record<RecordStatusResult, DeliveryEventReport['outcome']> = {
  changed: 'recorded',
  repeat: 'repeat',
  unknown: 'unknown-message',
};

const lower = (address: string) => address.trim().toLowerCase();

/**
 * An SES delivery event (EventBridge, at least once): the message's delivery record moves on;
 * a permanent bounce or a complaint marks each affected directory contact unreachable and,
 * once per marking, tells the coordinators of the organisation's regions and sends the
 * contact's open tasks to the organisation's focal points (or, when the contact was the focal
 * point, to the coordinators). The event that changed the contact does that follow-up under a
 * short claim and records it done; a repeated event finds it done and sends nothing, while one
 * retried after a run that failed half-way finishes it (a task emailed before the failure may
 * be emailed again: at least once, as every step here).
 *
 * A malformed event is logged (field paths and codes, never values) and dropped: retrying it
 * cannot help. A store or mail failure throws, so the event is retried and then kept in the
 * dead-letter queue.
 *
 * Each bounce event counts once in `EmailsBounced` (soft and hard alike, as SES's own `Bounce`
 * metric): not when its message's record already had it (a repeat), nor in a run that throws
 * to have the event delivered again.
 */
export async function deliveryEvents(deps: DeliveryEventsDeps, raw: unknown): Promise<DeliveryEventReport> {
  const log = deps.log ?? rootLogger;
  const parsed = parseSesEvent(raw);
  if (parsed.kind === 'malformed') {
    log.warn('malformed SES event dropped', { issues: parsed.issues });
    return { outcome: 'malformed', unreachable: 0, escalated: 0, notified: 0 };
  }
  if (parsed.kind === 'ignored') return { outcome: 'ignored', unreachable: 0, escalated: 0, notified: 0 };
  const { event } = parsed;
  const recorded = await deps.deliveries.recordStatus({
    messageId: event.messageId,
    status: event.status,
    at: event.at,
    ...(event.recipients && event.reason ? { recipients: event.recipients } : {}),
  });
  const report = { outcome: OUTCOME[recorded], unreachable: 0, escalated: 0, notified: 0 };
  const effects =
    event.hard && event.reason && event.recipients?.length
      ? await markUnreachable(deps, log, event, event.reason)
      : {};
  // SES can tell of a message before its sender wrote the record (the sender records after
  // SES answered): fail so EventBridge delivers the event again, a moment later. The contact's
  // marking above is done once either way (its follow-up is claimed and recorded).
  if (recorded === 'unknown' && event.recorded) throw new MessageNotRecordedYetError(event.messageId);
  if (event.status === 'bounced' && recorded !== 'repeat')
    (deps.metrics ?? noMetrics).add('EmailsBounced', 1);
  return { ...report, ...effects };
}

/** An event about a message whose delivery record is not written yet: retried by EventBridge. */
export class MessageNotRecordedYetError extends Error {
  override readonly name = 'MessageNotRecordedYetError';
  constructor(messageId: string) {
    super(`no delivery record yet for message ${messageId}`);
  }
}

async function markUnreachable(
  deps: DeliveryEventsDeps,
  log: Logger,
  event: SesDeliveryEvent,
  reason: UnreachableReason,
): Promise<Pick<DeliveryEventReport, 'unreachable' | 'escalated' | 'notified'>> {
  const effects = { unreachable: 0, escalated: 0, notified: 0 };
  const addresses = [...new Set((event.recipients ?? []).map(lower))];
  let orgs = await deps.store.listOrganisations();
  for (const address of addresses) {
    for (const listed of orgs.filter((o) => o.contacts.some((c) => lower(c.email) === address))) {
      const contact = listed.contacts.find((c) => lower(c.email) === address);
      if (!contact) continue;
      if (contact.reachable !== false) {
        const changed = await deps.deliveries.markContactUnreachable(
          listed.orgId,
          contact.email,
          reason,
          event.at,
        );
        if (changed) effects.unreachable += 1;
      }
      // The run that changed the contact claims its follow-up; a repeated event finds it done
      // (or held), and one retried after a failed run takes up the lapsed claim and finishes it.
      const now = deps.now();
      const until = new Date(now.getTime() + (deps.noticeLeaseMs ?? NOTICE_LEASE_MS)).toISOString();
      const claimed = await deps.deliveries.claimUnreachableNotice(
        listed.orgId,
        contact.email,
        now.toISOString(),
        until,
      );
      if (!claimed) continue;
      // Who the tasks went to (the contact still reachable), and who gets them now.
      const withContact = (reachable: boolean): OrgRecord => ({
        ...listed,
        contacts: listed.contacts.map((c) => {
          if (lower(c.email) !== address) return c;
          const { reachable: _was, ...rest } = c;
          return reachable ? rest : { ...rest, reachable: false };
        }),
      });
      const after = withContact(false);
      orgs = orgs.map((o) => (o.orgId === after.orgId ? after : o));
      const tasks = await contactTasks(deps, withContact(true), address);
      let escalated = 0;
      for (const task of tasks) if (await escalate(deps, log, task, after, orgs)) escalated += 1;
      effects.escalated += escalated;
      const coordinators = regionCoordinators(orgs, after.regions);
      if (!coordinators.length) log.warn('no reachable coordinator to tell of an unreachable contact', {});
      effects.notified += await sendToGroups(deps.mailer, coordinators, (to, language) => ({
        ...unreachableEmail({
          to,
          language,
          orgName: after.name,
          contactEmail: contact.email,
          reason,
          openTasks: escalated,
        }),
        about: { purpose: 'unreachable' },
      }));
      await deps.deliveries.markUnreachableNoticed(listed.orgId, contact.email, deps.now().toISOString());
    }
  }
  return effects;
}

/**
 * The organisation's open tasks that went to the address: those naming it among their
 * contacts, or, for tasks that name none, those whose kind's recipients included it.
 */
async function contactTasks(
  deps: DeliveryEventsDeps,
  org: OrgRecord,
  address: string,
): Promise<TaskRecord[]> {
  const found: TaskRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.store.listOrgTasks(org.orgId, true, { limit: 100, ...(start ? { start } : {}) });
    for (const task of page.items) {
      if (task.status !== 'OPEN') continue;
      const to = task.contactEmails ?? taskRecipients(task.kind, org).flatMap((g) => g.to);
      if (to.some((e) => lower(e) === address)) found.push(task);
    }
    start = page.next;
  } while (start);
  return found;
}

/** Emails the task with a working link to the organisation's reachable focal points (or coordinators). */
async function escalate(
  deps: DeliveryEventsDeps,
  log: Logger,
  task: TaskRecord,
  org: OrgRecord,
  orgs: readonly OrgRecord[],
): Promise<boolean> {
  const groups: RecipientGroup[] = focalPoints(org, orgs);
  if (!groups.length) {
    log.warn('nobody reachable to escalate a task to', { taskId: task.taskId, kind: task.kind });
    return false;
  }
  // A meeting's action item has no case timeline: its focal points are told by the reminders' escalation.
  if (task.caseId === undefined) return false;
  const item = await deps.store.getCase(task.caseId);
  if (!item) return false;
  const token = await linkToken(deps, task);
  if (!token) return false;
  const link = `${deps.actionBaseUrl.replace(/\/+$/, '')}/actions/${token}`;
  await sendToGroups(deps.mailer, groups, (to, language, timeZone) => ({
    ...taskEmail({
      to,
      language,
      kind: task.kind,
      reference: item.reference,
      due: new Date(task.dueAt),
      timeZone: timeZone ?? deps.calendar.timeZone,
      link,
    }),
    about: { purpose: 'escalation', caseId: item.caseId, taskIds: [task.taskId] },
  }));
  await deps.store.appendEvent({
    caseId: item.caseId,
    at: deps.now().toISOString(),
    type: TASK_ESCALATED_UNREACHABLE,
    actor: 'system',
    orgId: task.orgId,
    taskId: task.taskId,
    kind: task.kind,
    recipients: groups.flatMap((g) => g.to),
  });
  return true;
}

/**
 * A token whose link decides the task: the one derived from its Step Functions token when
 * that is the link armed on it (open-task armed it), else a fresh one stored beside the first
 * (a standalone task's token was never stored; a re-armed task keeps its first link).
 */
async function linkToken(deps: DeliveryEventsDeps, task: TaskRecord): Promise<string | undefined> {
  if (task.sfnTaskToken) {
    const derived = deriveActionToken(task.sfnTaskToken, task.taskId);
    if (derived.hash === task.actionHash) return derived.token;
  }
  const now = deps.now();
  const { token, hash } = issueActionToken();
  const keep = task.linkExpiresAt && Date.parse(task.linkExpiresAt) > now.getTime();
  const expiresAt = keep
    ? (task.linkExpiresAt as string)
    : openLinkExpiry(deps, task.dueAt, now).toISOString();
  const added = await deps.store.addTaskLink({
    taskId: task.taskId,
    ...(task.caseId === undefined ? {} : { caseId: task.caseId }),
    link: { hash, taskId: task.taskId, expiresAt },
  });
  return added ? token : undefined;
}
