import type { MeetingStore } from '../../shared/data/meeting-store';
import type { OrgRecord, ReminderDueItem, TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { deriveActionToken, issueActionToken } from '../../shared/domain/action-token';
import type { Contact } from '../../shared/domain/directory';
import { coordinatorContacts } from '../../shared/domain/recipients';
import {
  nextStepAfter,
  quietUntil,
  type ReminderCalendar,
  type ReminderConfig,
  type ReminderStep,
  reminderPlan,
  stepsDue,
} from '../../shared/domain/reminders';
import { FINAL_CASE_STATUSES } from '../../shared/domain/tasks';
import type { Mailer, OutgoingEmail } from '../../shared/email/mailer';
import type { ReminderEmailInput, ReminderLine } from '../../shared/email/templates';
import { meetingReference } from '../../shared/meetings/reference';
import { audienceContacts } from '../../shared/tasks/reminder-audience';
import { openLinkExpiry } from '../../shared/tasks/task-context';
import { type Logger, logger as rootLogger } from '../../shared/util/logger';

export interface ReminderDeps {
  readonly store: Pick<
    Store & MeetingStore,
    | 'claimDue'
    | 'releaseDue'
    | 'recordSentTo'
    | 'finishReminder'
    | 'getTasks'
    | 'getCases'
    | 'getMeetings'
    | 'addTaskLink'
    | 'markOverdue'
    | 'markEscalated'
  >;
  readonly mailer: Mailer;
  /** The directory, read once per run. */
  readonly directory: () => Promise<OrgRecord[]>;
  readonly render: (input: ReminderEmailInput) => OutgoingEmail;
  readonly reminders: ReminderConfig;
  readonly calendar: ReminderCalendar;
  /** How long a link armed for a reminder of a task without an expiry stays valid. */
  readonly deadlines: { readonly linkGraceDays: number };
  readonly actionBaseUrl: string;
  /** Waits between sends to keep under the SES rate (injected: tests do not sleep). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Real elapsed time of this run, for the rate and the time budget. */
  readonly elapsedMs: () => number;
  /** Sending stops at this much elapsed time; what is left is given back for the next run. */
  readonly budgetMs: number;
  /** @default the shared logger */
  readonly log?: Logger;
}

export interface ReminderReport {
  /** Reminder items taken by this run (due, and not held by another run). */
  readonly due: number;
  /** Items whose reminder went out (to everyone not in quiet hours). */
  readonly sent: number;
  /** Messages sent (a digest is one). */
  readonly emails: number;
  /** Copies put off to the end of someone's quiet hours. */
  readonly deferred: number;
  /** Items of finished tasks, closed cases or moved chains: removed, nothing sent. */
  readonly dropped: number;
  /** Items given back unsent (the run's time budget ran out). */
  readonly released: number;
  /**
   * Tasks this run marked overdue (their first overdue or escalation step went out), per
   * organisation (its directory id); organisations without one are left out.
   */
  readonly overdueByOrg: Readonly<Record<string, number>>;
}

/**
 * Claims in flight at once. A run takes up to 200 items; all claimed at once, most requests
 * waited for one of the SDK agent's 50 sockets, and the SDK's connection timeout (1 s,
 * shared/aws/client-config.ts) runs from when a request is made, so on a slow DynamoDB (the
 * local one, 100,000 items, a loaded machine: `npm run bench -- reminders`) the run failed with
 * TimeoutError. Ten at a time never wait for a socket.
 */
const CLAIMS_IN_FLIGHT = 10;

/** `fn` over `items`, at most `limit` at once, results in the items' order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One item taken by this run, and what is left to do for it. */
interface Taken {
  readonly item: ReminderDueItem;
  readonly claimedUntil: string;
  readonly task?: TaskRecord;
  /** Steps acted on and the chain's next step (chain items of open tasks). */
  advance?: { sent: number; next?: { reminderStep: number; reminderAt: string } };
  readonly deferred: ReminderDueItem[];
  /** Recipients whose message has not gone yet. */
  readonly pending: Set<string>;
  /** Steps it acts on in this run (0: dropped, or nothing due after all). */
  steps: number;
  overdue: boolean;
  escalated: boolean;
}

interface Recipient {
  readonly contact: Contact;
  /** Whom the footer names to ask: the region's coordinator (for everyone but coordinators). */
  readonly askFor?: string;
  /** The organisation the recipient gets it for (the footer's "why"), when it is one. */
  readonly orgName?: string;
  readonly urgent: boolean;
  /** One line per task: the latest step due (a quiet-hours copy and the next step may meet). */
  readonly lines: Map<string, { readonly step: number; readonly line: ReminderLine }>;
  readonly taken: Taken[];
}

/**
 * Sends the reminders due by `now` (principle 10; docs/data-model.md, "due-time index").
 *
 * Exactly once, also with two runs at once or a run repeated after a crash: each item is
 * first claimed (a conditional write, held for `claimSeconds`), so only one run acts on it;
 * once a person's message is accepted, the items it carried are finished (deleted, the
 * task's chain moved to its next step, in one transaction) or, when others still wait for
 * theirs, marked with who has it. A run that dies mid-send leaves its unfinished items
 * claimed; a run after the claim lapses takes them and writes only to whoever has not been
 * written to. What cannot be made exactly once: a crash between the mail service accepting
 * a message and its record, which sends that one message twice (SES has no idempotency key).
 *
 * Per person, one message: everything due for them in this run is one digest, each task with
 * its link. A person in quiet hours (their time zone) gets their copy at the end of them,
 * unless the step is an urgent escalation.
 */
export async function sendReminders(
  deps: ReminderDeps,
  items: readonly ReminderDueItem[],
  now: Date,
): Promise<ReminderReport> {
  const at = now.toISOString();
  const until = new Date(now.getTime() + deps.reminders.claimSeconds * 1000).toISOString();
  const claimed = (
    await mapBounded(items, CLAIMS_IN_FLIGHT, async (item) =>
      (await deps.store.claimDue(item, until, at)) ? item : undefined,
    )
  ).filter((i): i is ReminderDueItem => i !== undefined);
  if (claimed.length === 0)
    return { due: 0, sent: 0, emails: 0, deferred: 0, dropped: 0, released: 0, overdueByOrg: {} };

  const [tasks, cases, meetings] = await Promise.all([
    deps.store.getTasks(claimed.map((i) => i.taskId)),
    deps.store.getCases(claimed.flatMap((i) => (i.caseId === undefined ? [] : [i.caseId]))),
    deps.store.getMeetings(claimed.flatMap((i) => (i.meetingId === undefined ? [] : [i.meetingId]))),
  ]);
  // What each task is about: its region (whose coordinators are told), its reference, and
  // whether it is over (a closed case; a meeting's work outlives the meeting).
  const subjectOf = (item: ReminderDueItem): Subject | undefined => {
    if (item.meetingId !== undefined) {
      const m = meetings.get(item.meetingId);
      return m && { region: m.region, reference: meetingReference(m), subject: 'meeting', over: false };
    }
    const c = item.caseId === undefined ? undefined : cases.get(item.caseId);
    return (
      c && {
        region: c.region,
        reference: c.reference,
        subject: 'case',
        over: FINAL_CASE_STATUSES.includes(c.status),
      }
    );
  };
  const orgs = await deps.directory();
  const recipients = new Map<string, Recipient>();
  const links = new Map<string, string | undefined>();
  const taken: Taken[] = [];
  const overdueByOrg: Record<string, number> = {};
  const finished = async (t: Taken) => {
    if ((await finish(deps, t, at)) && t.task)
      overdueByOrg[t.task.orgId] = (overdueByOrg[t.task.orgId] ?? 0) + 1;
  };
  let dropped = 0;

  for (const item of claimed) {
    const task = tasks.get(item.taskId);
    const c = subjectOf(item);
    const t: Taken = {
      item,
      claimedUntil: until,
      ...(task ? { task } : {}),
      deferred: [],
      pending: new Set(),
      steps: 0,
      overdue: false,
      escalated: false,
    };
    taken.push(t);
    const chain = item.to === undefined;
    // Finished work, a closed case or a chain that moved on (a new due date): nothing to say.
    if (task?.status !== 'OPEN' || !c || c.over || (chain && task.reminderAt !== item.dueAt)) {
      dropped += 1;
      continue;
    }
    const plan = reminderPlan(task, deps.reminders, deps.calendar);
    const indices = chain ? stepsDue(plan, item.step, now) : plan[item.step] ? [item.step] : [];
    t.steps = indices.length;
    if (chain) {
      const next = nextStepAfter(plan, now, item.step);
      t.advance = {
        sent: indices.length,
        ...(next === undefined
          ? {}
          : { next: { reminderStep: next, reminderAt: (plan[next] as ReminderStep).at.toISOString() } }),
      };
    }
    const org = orgs.find((o) => o.orgId === task.orgId);
    // Whom the footer names to ask: the first coordinator of the case's region.
    const coordinator = coordinatorContacts(orgs, [c.region])[0]?.email;
    const already = new Set(item.sentTo ?? []);
    for (const i of indices) {
      const step = plan[i] as ReminderStep;
      if (step.kind === 'overdue' || step.kind === 'escalation') t.overdue = true;
      if (step.kind === 'escalation') t.escalated = true;
      let contacts = audienceContacts(
        step.audience,
        task.kind,
        org,
        orgs,
        c,
        now,
        task.subject === 'meeting' ? task.contactEmails : undefined,
      );
      if (!chain) contacts = contacts.filter((x) => x.email === item.to);
      for (const contact of contacts) {
        if (already.has(contact.email)) continue;
        const quiet = step.urgent
          ? undefined
          : quietUntil(now, contact.timeZone ?? deps.calendar.timeZone, deps.reminders.quietHours);
        if (quiet) {
          t.deferred.push({
            type: 'REMINDER',
            dueAt: quiet.toISOString(),
            ref: `${task.taskId}#${i}#${contact.email}`,
            ...(task.meetingId === undefined
              ? { caseId: task.caseId as string }
              : { meetingId: task.meetingId }),
            taskId: task.taskId,
            step: i,
            to: contact.email,
          });
          continue;
        }
        const link = step.audience === 'coordinator' ? undefined : await linkFor(deps, task, links, now);
        const r = recipients.get(contact.email) ?? {
          contact,
          ...(coordinator && coordinator !== contact.email ? { askFor: coordinator } : {}),
          ...(step.audience !== 'coordinator' && org ? { orgName: org.name } : {}),
          urgent: false,
          lines: new Map(),
          taken: [],
        };
        recipients.set(contact.email, { ...r, urgent: r.urgent || step.urgent });
        const entry = recipients.get(contact.email) as Recipient;
        const had = entry.lines.get(task.taskId);
        if (!had || had.step < i)
          entry.lines.set(task.taskId, { step: i, line: lineOf(task, c, org, step, link) });
        if (!entry.taken.includes(t)) entry.taken.push(t);
        t.pending.add(contact.email);
      }
    }
  }

  // Items with nobody to write to now are finished at once (their copies put off).
  for (const t of taken) if (t.pending.size === 0) await finished(t);

  let emails = 0;
  let released = 0;
  const ordered = [...recipients.values()].sort((a, b) => (a.contact.email < b.contact.email ? -1 : 1));
  const gapMs = 1000 / deps.reminders.sesPerSecond;
  const started = deps.elapsedMs();
  for (const [n, r] of ordered.entries()) {
    if (deps.elapsedMs() - started > deps.budgetMs) {
      released = await release(deps, taken);
      break;
    }
    const wait = started + n * gapMs - deps.elapsedMs();
    if (wait > 0) await deps.sleep(wait);
    const caseIds = new Set(r.taken.map((t) => t.item.caseId));
    const single = caseIds.size === 1 && !caseIds.has(undefined);
    const rendered = deps.render({
      to: [r.contact.email],
      language: r.contact.language,
      timeZone: r.contact.timeZone ?? deps.calendar.timeZone,
      items: [...r.lines.values()].map((l) => l.line),
      ...(r.urgent ? { urgent: true } : {}),
      ...(r.askFor ? { contact: r.askFor } : {}),
      ...(r.orgName ? { orgName: r.orgName } : {}),
    });
    await deps.mailer.send({
      ...rendered,
      about: {
        purpose: [...r.lines.values()].some((l) => l.line.escalation) ? 'escalation' : 'reminder',
        ...(single ? { caseId: (r.taken[0] as Taken).item.caseId as string } : {}),
        taskIds: [...new Set(r.taken.map((t) => t.item.taskId))],
      },
    });
    emails += 1;
    for (const t of r.taken) {
      t.pending.delete(r.contact.email);
      if (t.pending.size === 0) await finished(t);
      else await deps.store.recordSentTo(t.item, t.claimedUntil, [r.contact.email]);
    }
  }

  const sent = taken.filter((t) => t.steps > 0 && t.pending.size === 0).length;
  const deferred = taken.reduce((n, t) => n + t.deferred.length, 0);
  return { due: claimed.length, sent, emails, deferred, dropped, released, overdueByOrg };
}

/**
 * Finishes an item: the chain moves on, the task is marked overdue/escalated once. True when
 * this call is the one that marked the task overdue.
 */
async function finish(deps: ReminderDeps, t: Taken, at: string): Promise<boolean> {
  const { task } = t;
  const markedOverdue = task && t.overdue && !task.overdueAt ? await deps.store.markOverdue(task, at) : false;
  if (task && t.escalated && !task.escalatedAt) await deps.store.markEscalated(task.taskId, at);
  await deps.store.finishReminder({
    item: t.item,
    claimedUntil: t.claimedUntil,
    now: at,
    ...(task && t.advance ? { advance: { task, ...t.advance } } : {}),
    deferred: t.deferred,
  });
  return markedOverdue === true;
}

/** Gives back every item this run has not finished (it ran out of time). */
async function release(deps: ReminderDeps, taken: readonly Taken[]): Promise<number> {
  const left = taken.filter((t) => t.pending.size > 0);
  await Promise.all(left.map((t) => deps.store.releaseDue(t.item, t.claimedUntil)));
  if (left.length) (deps.log ?? rootLogger).info('reminders left for the next run', { left: left.length });
  return left.length;
}

/**
 * The task's action link for a reminder: a waited task's link is derived from its task token
 * (the one already armed, so nothing is written); another task gets a new link, armed once
 * per run and shared by everyone this run writes to about it.
 */
async function linkFor(
  deps: ReminderDeps,
  task: TaskRecord,
  links: Map<string, string | undefined>,
  now: Date,
): Promise<string | undefined> {
  if (links.has(task.taskId)) return links.get(task.taskId);
  let token: string | undefined;
  if (task.sfnTaskToken) {
    token = deriveActionToken(task.sfnTaskToken, task.taskId).token;
  } else {
    // A standalone task's link token was never stored (only its hash): one more live link,
    // valid as long as its first (or, when that has run out, as a new link would be).
    const issued = issueActionToken();
    const keep = task.linkExpiresAt && Date.parse(task.linkExpiresAt) > now.getTime();
    const expiresAt = keep
      ? (task.linkExpiresAt as string)
      : openLinkExpiry(deps, task.dueAt, now).toISOString();
    const added = await deps.store.addTaskLink({
      taskId: task.taskId,
      ...(task.caseId === undefined ? {} : { caseId: task.caseId }),
      link: { hash: issued.hash, taskId: task.taskId, expiresAt },
    });
    token = added ? issued.token : undefined;
  }
  const link = token ? `${deps.actionBaseUrl.replace(/\/+$/, '')}/actions/${token}` : undefined;
  links.set(task.taskId, link);
  return link;
}

/** What a reminded task is about (a case or a meeting), as the reminder needs it. */
interface Subject {
  readonly region: string;
  readonly reference: string;
  readonly subject: 'case' | 'meeting';
  readonly over: boolean;
}

function lineOf(
  task: TaskRecord,
  c: Subject,
  org: OrgRecord | undefined,
  step: ReminderStep,
  link: string | undefined,
): ReminderLine {
  return {
    kind: task.kind,
    reference: c.reference,
    ...(c.subject === 'meeting' ? { subject: 'meeting' as const } : {}),
    due: new Date(task.dueAt),
    step: step.kind === 'escalation' ? 'overdue' : step.kind,
    ...(link ? { link } : {}),
    ...(step.kind === 'escalation' && step.audience !== 'assignee'
      ? { escalation: { orgName: org?.name ?? task.orgId, level: step.audience } }
      : {}),
    ...(step.overdueDays === undefined ? {} : { overdueDays: step.overdueDays }),
  };
}
