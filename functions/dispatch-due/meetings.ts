import type { MeetingStore } from '../../shared/data/meeting-store';
import type {
  MeetingDueItem,
  MeetingMailDueItem,
  OrgRecord,
  TaskMailDueItem,
  TaskRecord,
} from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { issueActionToken } from '../../shared/domain/action-token';
import { dueAt } from '../../shared/domain/deadlines';
import { meetingSteps } from '../../shared/domain/meetings';
import { byLanguage, effectiveContacts } from '../../shared/domain/recipients';
import { sendToGroups } from '../../shared/email/send-all';
import { taskEmail } from '../../shared/email/templates';
import { taskMailItem } from '../../shared/meetings/meeting-tasks';
import {
  deliverMeetingMail,
  type MeetingDeps,
  mailMeeting,
  nextOccurrence,
} from '../../shared/meetings/meetings';
import { meetingReference } from '../../shared/meetings/reference';
import { taskRecipients } from '../../shared/tasks/assignees';
import { openLinkExpiry, type TaskClock, withFirstReminder } from '../../shared/tasks/task-context';
import { taskIdFor } from '../../shared/tasks/task-id';

export interface MeetingStepDeps extends TaskClock, Omit<MeetingDeps, 'store' | 'now'> {
  readonly store: MeetingDeps['store'] &
    Pick<Store, 'claimDue' | 'getTask' | 'addTaskLink' | 'markEmailed'> &
    Pick<
      MeetingStore,
      'finishMeetingStep' | 'openMinutesTask' | 'dropClaimedDue' | 'getMeeting' | 'getSeries'
    >;
  /** Public base URL of the API: task links. */
  readonly actionBaseUrl: string;
}

/**
 * A meeting's step fell due (docs/meetings.md): a reminder to every invitee who has not
 * declined, or its end, which opens the minutes task and, for a series, makes the next
 * occurrence so SERIES_AHEAD stay ahead. Claimed first, so two runs never act on it twice; an
 * item a change or a cancellation moved on from (the meeting's `stepAt` differs) is dropped.
 */
export async function runMeetingStep(
  deps: MeetingStepDeps,
  item: MeetingDueItem,
  orgs: () => Promise<OrgRecord[]>,
  now: Date,
): Promise<'sent' | 'ended' | 'dropped' | 'held'> {
  const at = now.toISOString();
  const until = new Date(now.getTime() + deps.reminders.claimSeconds * 1000).toISOString();
  if (!(await deps.store.claimDue(item, until, at))) return 'held';
  const meeting = await deps.store.getMeeting(item.meetingId);
  if (meeting?.status !== 'SCHEDULED' || meeting.stepAt !== item.dueAt) {
    await deps.store.dropClaimedDue(item, until);
    return 'dropped';
  }
  const steps = meetingSteps(deps.meetingReminders, new Date(meeting.start), new Date(meeting.end));
  // A late sweep finds several steps due: the end is never skipped, of the reminders only the
  // latest is sent, and none once the meeting has begun.
  const due = steps.filter((s) => s.index >= item.step && s.at.getTime() <= now.getTime());
  const end = due.find((s) => s.kind === 'end');
  const began = now.getTime() >= Date.parse(meeting.start);
  const step = end ?? (began ? undefined : due.filter((s) => s.kind === 'reminder').at(-1));
  const lastDue = Math.max(item.step, ...due.map((s) => s.index));
  const clock = { ...deps, now: () => now };
  if (step?.kind === 'reminder') {
    const declined = new Set(
      Object.entries(meeting.responses ?? {})
        .filter(([, r]) => r.answer === 'declined')
        .map(([email]) => email.toLowerCase()),
    );
    // A run that stopped mid-send left who had theirs: they get none again.
    const had = new Set([...(item.sentTo ?? [])].map((e) => e.toLowerCase()));
    await mailMeeting(
      clock,
      meeting,
      'reminder',
      meeting.attendees.filter(
        (a) => !declined.has(a.email.toLowerCase()) && !had.has(a.email.toLowerCase()),
      ),
      await orgs(),
      (a) => deps.store.recordSentTo(item, until, [a.email]),
    );
  } else if (step?.kind === 'end') {
    const opened = new Date(meeting.end);
    const task = withFirstReminder(
      deps,
      {
        taskId: taskIdFor(meeting.meetingId, 'minutes'),
        kind: 'MINUTES',
        subject: 'meeting',
        meetingId: meeting.meetingId,
        orgId: meeting.organizer.orgId,
        contactEmails: [meeting.organizer.email],
        status: 'OPEN',
        createdAt: at,
        dueAt: dueAt(deps.deadlines.MINUTES, opened, deps.calendar).toISOString(),
        sequence: 1,
      } satisfies TaskRecord,
      now,
    );
    // False when a run before this one opened it: once is enough.
    await deps.store.openMinutesTask({
      task,
      mail: taskMailItem(task, now),
      actor: { role: 'system' },
      now: at,
    });
    if (meeting.seriesId) {
      const series = await deps.store.getSeries(meeting.seriesId);
      if (series && !series.cancelledAt) {
        const next = nextOccurrence(deps, series, meeting, now);
        const made = await deps.store.extendSeries({
          series,
          next: {
            ...next,
            event: {
              meetingId: next.meeting.meetingId,
              at,
              type: 'MEETING_CREATED',
              actor: { role: 'system' },
            },
          },
        });
        if (made)
          await deliverMeetingMail(
            clock,
            next.mail,
            next.mail.claimedUntil as string,
            next.meeting,
            await orgs(),
          );
      }
    }
  }
  const later = steps.find((s) => s.index > lastDue);
  await deps.store.finishMeetingStep({
    item,
    claimedUntil: until,
    ...(later
      ? {
          next: {
            type: 'MEETING',
            dueAt: later.at.toISOString(),
            ref: meeting.meetingId,
            meetingId: meeting.meetingId,
            step: later.index,
          },
        }
      : {}),
    now: at,
  });
  return step?.kind === 'end' ? 'ended' : step ? 'sent' : 'dropped';
}

/**
 * The first email of a meeting's task (its minutes, an action item): to the contact it names,
 * else to those its kind goes to, with a new single-use link. Once: a task already emailed,
 * or no longer open, is only taken off the index.
 */
export async function sendTaskMail(
  deps: MeetingStepDeps,
  item: TaskMailDueItem,
  orgs: () => Promise<OrgRecord[]>,
  now: Date,
): Promise<'sent' | 'dropped' | 'held'> {
  const at = now.toISOString();
  const until = new Date(now.getTime() + deps.reminders.claimSeconds * 1000).toISOString();
  if (!(await deps.store.claimDue(item, until, at))) return 'held';
  const task = await deps.store.getTask(item.taskId);
  const meeting = task?.meetingId ? await deps.store.getMeeting(task.meetingId) : undefined;
  const org = task && (await orgs()).find((o) => o.orgId === task.orgId);
  if (task?.status !== 'OPEN' || task.emailedAt || !meeting || !org) {
    await deps.store.dropClaimedDue(item, until);
    return 'dropped';
  }
  const named = new Set((task.contactEmails ?? []).map((e) => e.toLowerCase()));
  // The named contact, or their deputy while they are away; else whoever the kind goes to.
  const contacts = effectiveContacts(
    org.contacts.filter((c) => named.has(c.email.toLowerCase())),
    now,
    org.contacts,
  );
  const groups = contacts.length ? byLanguage(contacts) : taskRecipients(task.kind, org, await orgs(), now);
  const issued = issueActionToken();
  const added = await deps.store.addTaskLink({
    taskId: task.taskId,
    link: {
      hash: issued.hash,
      taskId: task.taskId,
      expiresAt: openLinkExpiry(deps, task.dueAt, now).toISOString(),
    },
  });
  if (added) {
    const link = `${deps.actionBaseUrl.replace(/\/+$/, '')}/actions/${issued.token}`;
    await sendToGroups(deps.mailer, groups, (to, language, timeZone) => ({
      ...taskEmail({
        to,
        language,
        kind: task.kind,
        subject: 'meeting',
        reference: meetingReference(meeting),
        ...(task.title ? { detail: task.title } : {}),
        due: new Date(task.dueAt),
        timeZone: timeZone ?? deps.calendar.timeZone,
        link,
        orgName: org.name,
      }),
      about: { purpose: 'task', taskIds: [task.taskId] },
    }));
    await deps.store.markEmailed(task.taskId, at);
  }
  await deps.store.dropClaimedDue(item, until);
  return added ? 'sent' : 'dropped';
}

/**
 * A meeting's queued messages whose writer did not finish them (it stopped before its claim
 * lapsed): sent now to whoever has not had theirs. Invitations and updates a later change
 * superseded (the meeting's SEQUENCE moved on, or it was cancelled) are dropped: that change
 * sent its own.
 */
export async function resumeMeetingMail(
  deps: MeetingStepDeps,
  item: MeetingMailDueItem,
  orgs: () => Promise<OrgRecord[]>,
  now: Date,
): Promise<'sent' | 'dropped' | 'held'> {
  const until = new Date(now.getTime() + deps.reminders.claimSeconds * 1000).toISOString();
  if (!(await deps.store.claimDue(item, until, now.toISOString()))) return 'held';
  const meeting = await deps.store.getMeeting(item.meetingId);
  const asks = item.message === 'invite' || item.message === 'update';
  const superseded =
    !meeting || (asks && (meeting.sequence !== item.sequence || meeting.status !== 'SCHEDULED'));
  if (superseded) {
    await deps.store.dropClaimedDue(item, until);
    return 'dropped';
  }
  await deliverMeetingMail(
    { ...deps, now: () => now },
    { ...item, claimedUntil: until },
    until,
    meeting,
    await orgs(),
  );
  return 'sent';
}
