import type { TaskKind } from '../domain/task-kinds';
import { formatInstant, wallClock } from '../util/time';
import { escapeHtml } from './html';
import { en } from './locales/en';
import { sq } from './locales/sq';
import type { FooterReason, Language, Locale, ReminderStep } from './locales/types';
import type { MailAbout, MailPurpose, OutgoingEmail } from './mailer';

export type { FooterReason, Language, Locale, ReminderStep } from './locales/types';

/**
 * Email templates. Every text lives in ./locales (one object per language); these functions
 * pick the texts and lay them out as plain text and HTML. By design they take only a case
 * reference, organisation names, task titles, instants, counts, links and directory
 * addresses: nothing about the person can reach a template (DOMAIN.md, data protection).
 *
 * Every message names why the recipient gets it and whom to ask (`contact`, e.g. the region's
 * coordinator; absent: "your cooperation group's coordinator"). Deadlines are shown in the
 * recipient's time zone: short in the subject ("3 March 10:00"), with the UTC offset in the body.
 */
export const LOCALES: Readonly<Record<Language, Locale>> = { en, sq };

/** What each kind of task asks, as a short title: the subject line and the page heading. */
export const TASK_TITLES: Readonly<Record<Language, Readonly<Record<TaskKind, string>>>> = {
  en: en.taskTitles,
  sq: sq.taskTitles,
};

/** A deadline for a subject line in `timeZone`, e.g. "3 March 10:00" / "3 mars 10:00". */
export function shortDue(instant: Date, timeZone: string, language: Language): string {
  const s = LOCALES[language];
  const { date, msOfDay } = wallClock(instant, timeZone);
  const [, month = 1, day = 1] = date.split('-').map(Number);
  const minutes = Math.floor(msOfDay / 60_000);
  const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return s.shortDue(day, s.months[month - 1] ?? '', time);
}

export interface Link {
  readonly href: string;
  readonly label: string;
}

/** One entry of a digest: its text and its own link, or the sign-in hint. */
export interface ListItem {
  readonly text: string;
  readonly link?: Link;
  readonly note?: string;
}

export interface Body {
  readonly paragraphs: readonly string[];
  readonly list?: readonly ListItem[];
  readonly link?: Link;
}

export interface Footer {
  readonly reason: FooterReason;
  readonly org?: string;
  readonly contact?: string;
}

/** Lays a message out twice: plain text, and HTML with every interpolated text escaped. */
export function compose(
  language: Language,
  to: readonly string[],
  subject: string,
  body: Body,
  footer: Footer,
  about: MailAbout,
): OutgoingEmail {
  const s = LOCALES[language];
  const footerLines = [
    s.footer.why[footer.reason](footer.org),
    s.footer.contact(footer.contact),
    s.footer.privacy,
  ];
  const listText = (body.list ?? []).map((item) =>
    [
      `- ${item.text}`,
      ...(item.note ? [`  ${item.note}`] : []),
      item.link ? `  ${item.link.label}: ${item.link.href}` : `  ${s.task.signIn}`,
    ].join('\n'),
  );
  const text = [
    ...body.paragraphs,
    ...(listText.length > 0 ? [listText.join('\n\n')] : []),
    ...(body.link ? [`${body.link.label}: ${body.link.href}`] : []),
    `--\n${footerLines.join('\n')}`,
  ].join('\n\n');

  const anchor = (link: Link) => `<a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a>`;
  const listHtml = (body.list ?? []).map(
    (item) =>
      `<li><p>${escapeHtml(item.text)}${item.note ? `<br>${escapeHtml(item.note)}` : ''}</p><p>${
        item.link ? anchor(item.link) : escapeHtml(s.task.signIn)
      }</p></li>`,
  );
  const html = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    ...body.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(listHtml.length > 0 ? ['<ul>', ...listHtml, '</ul>'] : []),
    ...(body.link ? [`<p>${anchor(body.link)}</p>`] : []),
    '<hr>',
    `<p><small>${footerLines.map(escapeHtml).join('<br>')}</small></p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html, about };
}

const about = (purpose: MailPurpose): MailAbout => ({ purpose });

export interface OfferEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly reference: string;
  readonly deadline: Date;
  readonly timeZone: string;
  readonly link: string;
  /** The NGO the offer goes to, named in the footer. */
  readonly orgName?: string;
  /** Whom to ask, e.g. the region's coordinator's address. */
  readonly contact?: string;
}

/** The NGO's offer: the case reference, the deadline with its UTC offset, the link. */
export function offerEmail(input: OfferEmailInput): OutgoingEmail {
  const s = LOCALES[input.language];
  const deadline = formatInstant(input.deadline, input.timeZone);
  return compose(
    input.language,
    input.to,
    s.offer.subject(input.reference, shortDue(input.deadline, input.timeZone, input.language)),
    {
      paragraphs: [s.offer.body(input.reference, deadline)],
      link: { href: input.link, label: s.offer.action },
    },
    { reason: 'offer', org: input.orgName, contact: input.contact },
    about('task'),
  );
}

/** `waiting`: the referring officer's word that the case is UNASSIGNED (the coordinators act). */
export type NoticeKind = 'accepted' | 'declined' | 'timedOut' | 'unassigned' | 'waiting';

export interface NoticeEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly kind: NoticeKind;
  readonly reference: string;
  /** The NGO's name (an organisation, never a person). */
  readonly orgName?: string;
  readonly contact?: string;
}

/** Notices to the referring officer and the coordinators. */
export function noticeEmail(input: NoticeEmailInput): OutgoingEmail {
  const n = LOCALES[input.language].notice;
  const ref = input.reference;
  const org = input.orgName ?? '';
  const [subject, body] = {
    accepted: [n.acceptedSubject(ref), n.acceptedBody(ref, org)],
    declined: [n.declinedSubject(ref), n.declinedBody(ref, org)],
    timedOut: [n.timedOutSubject(ref), n.timedOutBody(ref, org)],
    unassigned: [n.unassignedSubject(ref), n.unassignedBody(ref)],
    waiting: [n.unassignedSubject(ref), n.waitingBody(ref)],
  }[input.kind] as [string, string];
  return compose(
    input.language,
    input.to,
    subject,
    { paragraphs: [body] },
    { reason: 'notice', contact: input.contact },
    about('notice'),
  );
}

export interface TaskEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly kind: TaskKind;
  readonly reference: string;
  /** What the reference names. @default 'case' */
  readonly subject?: 'case' | 'meeting';
  /** What is to be done, in the words of whoever asked (a meeting's action item). */
  readonly detail?: string;
  readonly due: Date;
  readonly timeZone: string;
  readonly link: string;
  /** The organisation the task is asked of, named in the footer. */
  readonly orgName?: string;
  readonly contact?: string;
}

/** A task's email: what is asked, for which case reference, by when, and its single-use link. */
export function taskEmail(input: TaskEmailInput): OutgoingEmail {
  if (input.kind === 'OFFER') {
    return offerEmail({ ...input, deadline: input.due });
  }
  const s = LOCALES[input.language];
  const title = s.taskTitles[input.kind];
  const due = shortDue(input.due, input.timeZone, input.language);
  const subject =
    input.kind === 'CHILD_PROTECTION'
      ? s.task.childSubject(input.reference, due)
      : s.task.subject(title, s.subjects[input.subject ?? 'case'].nominative(input.reference), due);
  return compose(
    input.language,
    input.to,
    subject,
    {
      paragraphs: [
        s.task.body(
          title,
          s.subjects[input.subject ?? 'case'].accusative(input.reference),
          formatInstant(input.due, input.timeZone),
        ),
        ...(input.detail ? [input.detail] : []),
      ],
      link: { href: input.link, label: s.task.action },
    },
    { reason: 'task', org: input.orgName, contact: input.contact },
    about('task'),
  );
}

/**
 * The case ended for everyone working on it (withdrawn by the person, or closed), or for one
 * NGO (transferred away from it), or a closed case was reopened.
 */
export function caseEndEmail(input: {
  readonly to: readonly string[];
  readonly language: Language;
  readonly kind: 'withdrawn' | 'closed' | 'transferred' | 'reopened';
  readonly reference: string;
  readonly contact?: string;
}): OutgoingEmail {
  const c = LOCALES[input.language].caseEnd;
  const ref = input.reference;
  const [subject, body] = {
    withdrawn: [c.withdrawnSubject(ref), c.withdrawnBody(ref)],
    closed: [c.closedSubject(ref), c.closedBody(ref)],
    transferred: [c.transferredSubject(ref), c.transferredBody(ref)],
    reopened: [c.reopenedSubject(ref), c.reopenedBody(ref)],
  }[input.kind] as [string, string];
  return compose(
    input.language,
    input.to,
    subject,
    { paragraphs: [body] },
    { reason: 'case-end', contact: input.contact },
    about('case-end'),
  );
}

/** One task in a reminder (the reminder engine, shared/domain/reminders.ts, builds these). */
export interface ReminderLine {
  readonly kind: TaskKind;
  /** Case reference, e.g. KOR-2026-0042, or a meeting's title and day. */
  readonly reference: string;
  /** @default 'case' */
  readonly subject?: 'case' | 'meeting';
  readonly due: Date;
  /** The task's action link (absent: "sign in to Bashkë"). */
  readonly link?: string;
  readonly step: ReminderStep;
  /** Set for escalations: the organisation whose task is late, and who is being told. */
  readonly escalation?: { readonly orgName: string; readonly level: 'focal-point' | 'coordinator' };
  /** Working days overdue (overdue steps and escalations). */
  readonly overdueDays?: number;
}

export interface ReminderEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly timeZone: string;
  /** 1..n; several make a digest. */
  readonly items: readonly ReminderLine[];
  readonly contact?: string;
  readonly urgent?: boolean;
  /** The recipient's organisation, named in the footer of plain reminders. */
  readonly orgName?: string;
}

/** Why the recipient of these lines gets them: the most senior role any line addresses. */
function reminderFooter(input: ReminderEmailInput): Footer {
  const escalations = input.items.flatMap((i) => (i.escalation ? [i.escalation] : []));
  if (escalations.some((e) => e.level === 'coordinator'))
    return { reason: 'escalation-coordinator', contact: input.contact };
  const focal = escalations[0];
  if (focal) return { reason: 'escalation-focal-point', org: focal.orgName, contact: input.contact };
  return { reason: 'reminder', org: input.orgName, contact: input.contact };
}

/** One reminder, or a digest listing several (each with its link), in the recipient's language. */
export function reminderEmail(input: ReminderEmailInput): OutgoingEmail {
  const first = input.items[0];
  if (!first) throw new RangeError('a reminder needs at least one item');
  const s = LOCALES[input.language];
  const r = s.reminder;
  const lineOf = (item: ReminderLine) => {
    const title = s.taskTitles[item.kind];
    const due = formatInstant(item.due, input.timeZone);
    const ref = s.subjects[item.subject ?? 'case'].accusative(item.reference);
    const text = item.escalation
      ? r.escalationLine(title, ref, item.escalation.orgName, due)
      : r.line[item.step](title, ref, due);
    const late =
      item.overdueDays !== undefined && item.overdueDays > 0 ? r.overdueDays(item.overdueDays) : undefined;
    return { text, late, link: item.link ? { href: item.link, label: s.task.action } : undefined };
  };
  const urgent = input.urgent ? `${r.urgent}: ` : '';
  const purpose: MailPurpose = input.items.some((i) => i.escalation) ? 'escalation' : 'reminder';
  const note = input.urgent ? [r.urgentNote] : [];

  if (input.items.length === 1) {
    const title = s.taskTitles[first.kind];
    const label = first.escalation ? r.escalationLabel(first.escalation.orgName) : r.label[first.step];
    const line = lineOf(first);
    return compose(
      input.language,
      input.to,
      `Bashkë: ${urgent}${r.subject(label, title, s.subjects[first.subject ?? 'case'].nominative(first.reference), shortDue(first.due, input.timeZone, input.language))}`,
      {
        paragraphs: [
          line.text,
          ...(line.late ? [line.late] : []),
          ...note,
          ...(line.link ? [] : [s.task.signIn]),
        ],
        ...(line.link ? { link: line.link } : {}),
      },
      reminderFooter(input),
      about(purpose),
    );
  }
  return compose(
    input.language,
    input.to,
    `Bashkë: ${urgent}${r.digestSubject(input.items.length)}`,
    {
      paragraphs: [...note, r.digestIntro(input.items.length)],
      list: input.items.map((item) => {
        const line = lineOf(item);
        return {
          text: line.text,
          ...(line.late ? { note: line.late } : {}),
          ...(line.link ? { link: line.link } : {}),
        };
      }),
    },
    reminderFooter(input),
    about(purpose),
  );
}

export interface UnreachableEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly orgName: string;
  /** The directory address that bounced or complained (an organisation's contact, never the person referred). */
  readonly contactEmail: string;
  readonly reason: 'bounce' | 'complaint';
  /** Open tasks of that contact, now escalated to the organisation's focal point. */
  readonly openTasks: number;
  readonly contact?: string;
}

/** To the coordinator: a contact's mail bounced or drew a complaint; marked unreachable; its open tasks escalated. */
export function unreachableEmail(input: UnreachableEmailInput): OutgoingEmail {
  const u = LOCALES[input.language].unreachable;
  return compose(
    input.language,
    input.to,
    u.subject(input.orgName),
    {
      paragraphs: [
        u.body[input.reason](input.contactEmail, input.orgName),
        u.marked,
        u.escalated(input.openTasks, input.orgName),
        u.check,
      ],
    },
    { reason: 'unreachable', contact: input.contact },
    about('unreachable'),
  );
}
