import type { TaskKind } from '../domain/task-kinds';
import { formatInstant } from '../util/time';
import { escapeHtml } from './html';
import type { OutgoingEmail } from './mailer';

export type Language = 'sq' | 'en';

/**
 * Email texts. By design they take only a case reference, organisation names, instants
 * and links: nothing about the person can reach a template (DOMAIN.md, data protection).
 */
interface Strings {
  offerSubject: (ref: string) => string;
  offerBody: (ref: string, deadline: string) => string;
  offerAction: string;
  acceptedSubject: (ref: string) => string;
  acceptedBody: (ref: string, org: string) => string;
  declinedSubject: (ref: string) => string;
  declinedBody: (ref: string, org: string) => string;
  timedOutSubject: (ref: string) => string;
  timedOutBody: (ref: string, org: string) => string;
  unassignedSubject: (ref: string) => string;
  unassignedBody: (ref: string) => string;
  waitingBody: (ref: string) => string;
  footer: string;
}

const STRINGS: Record<Language, Strings> = {
  en: {
    offerSubject: (ref) => `Bashkë: referral ${ref} offered to your organisation`,
    offerBody: (ref, deadline) =>
      `A referral (case ${ref}) is offered to your organisation. Please accept or decline it by ${deadline}.`,
    offerAction: 'Open the referral to accept or decline',
    acceptedSubject: (ref) => `Bashkë: referral ${ref} accepted`,
    acceptedBody: (ref, org) => `Case ${ref} was accepted by ${org}.`,
    declinedSubject: (ref) => `Bashkë: referral ${ref} declined`,
    declinedBody: (ref, org) =>
      `${org} declined case ${ref}. The case is being offered to the next organisation.`,
    timedOutSubject: (ref) => `Bashkë: no answer on referral ${ref}`,
    timedOutBody: (ref, org) =>
      `${org} did not answer the offer of case ${ref} in time. The case is being offered to the next organisation.`,
    unassignedSubject: (ref) => `Bashkë: referral ${ref} needs an organisation`,
    unassignedBody: (ref) => `No organisation is left to offer case ${ref} to. Please assign it.`,
    waitingBody: (ref) =>
      `No organisation has taken case ${ref} yet. The coordinators of the region are assigning it.`,
    footer: 'This message holds no personal data. Sign in to Bashkë for the case.',
  },
  sq: {
    offerSubject: (ref) => `Bashkë: referimi ${ref} i ofrohet organizatës suaj`,
    offerBody: (ref, deadline) =>
      `Një referim (rasti ${ref}) i ofrohet organizatës suaj. Ju lutemi pranojeni ose refuzojeni deri më ${deadline}.`,
    offerAction: 'Hapni referimin për ta pranuar ose refuzuar',
    acceptedSubject: (ref) => `Bashkë: referimi ${ref} u pranua`,
    acceptedBody: (ref, org) => `Rasti ${ref} u pranua nga ${org}.`,
    declinedSubject: (ref) => `Bashkë: referimi ${ref} u refuzua`,
    declinedBody: (ref, org) => `${org} refuzoi rastin ${ref}. Rasti po i ofrohet organizatës tjetër.`,
    timedOutSubject: (ref) => `Bashkë: pa përgjigje për referimin ${ref}`,
    timedOutBody: (ref, org) =>
      `${org} nuk iu përgjigj në kohë ofertës për rastin ${ref}. Rasti po i ofrohet organizatës tjetër.`,
    unassignedSubject: (ref) => `Bashkë: referimi ${ref} ka nevojë për një organizatë`,
    unassignedBody: (ref) => `Nuk ka më organizata për t'i ofruar rastin ${ref}. Ju lutemi caktojeni.`,
    waitingBody: (ref) =>
      `Asnjë organizatë nuk e ka marrë ende rastin ${ref}. Koordinatorët e qarkut po e caktojnë.`,
    footer: 'Ky mesazh nuk përmban të dhëna personale. Hyni në Bashkë për rastin.',
  },
};

function compose(
  to: readonly string[],
  subject: string,
  paragraphs: string[],
  link?: { href: string; label: string },
  lang: Language = 'en',
): OutgoingEmail {
  const s = STRINGS[lang];
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.href}`] : []), '', s.footer].join('\n\n');
  const html = [
    '<!doctype html>',
    `<html lang="${lang}"><body>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`] : []),
    `<p><small>${escapeHtml(s.footer)}</small></p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html };
}

export interface OfferEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly reference: string;
  readonly deadline: Date;
  readonly timeZone: string;
  readonly link: string;
}

/** The NGO's offer: the case reference, the deadline with its UTC offset, the link. */
export function offerEmail(input: OfferEmailInput): OutgoingEmail {
  const s = STRINGS[input.language];
  const deadline = formatInstant(input.deadline, input.timeZone);
  return compose(
    input.to,
    s.offerSubject(input.reference),
    [s.offerBody(input.reference, deadline)],
    { href: input.link, label: s.offerAction },
    input.language,
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
}

/** Notices to the referring officer and the coordinators. */
export function noticeEmail(input: NoticeEmailInput): OutgoingEmail {
  const s = STRINGS[input.language];
  const ref = input.reference;
  const org = input.orgName ?? '';
  const [subject, body] = {
    accepted: [s.acceptedSubject(ref), s.acceptedBody(ref, org)],
    declined: [s.declinedSubject(ref), s.declinedBody(ref, org)],
    timedOut: [s.timedOutSubject(ref), s.timedOutBody(ref, org)],
    unassigned: [s.unassignedSubject(ref), s.unassignedBody(ref)],
    waiting: [s.unassignedSubject(ref), s.waitingBody(ref)],
  }[input.kind] as [string, string];
  return compose(input.to, subject, [body], undefined, input.language);
}

/** What each kind of task asks, as a short title: the subject line and the page heading. */
export const TASK_TITLES: Record<Language, Record<TaskKind, string>> = {
  en: {
    OFFER: 'Accept or decline the referral',
    CHILD_PROTECTION: 'Child protection: record the guardian appointed',
    NEEDS_ASSESSMENT: 'Needs assessment',
    REFLECTION_REVIEW: 'Review of the recovery and reflection period',
    ASSISTANCE_PLAN: 'Assistance and reintegration plan',
    PLAN_ITEM: 'Plan item',
    PLAN_REVIEW: 'Review of the assistance plan',
    FOLLOW_UP: 'Follow-up check-in',
    CLOSURE_PROPOSAL: 'Propose how the case closes',
    CLOSURE_CONFIRMATION: 'Confirm the closure of the case',
  },
  sq: {
    OFFER: 'Pranoni ose refuzoni referimin',
    CHILD_PROTECTION: 'Mbrojtja e fëmijës: regjistroni kujdestarin e caktuar',
    NEEDS_ASSESSMENT: 'Vlerësimi i nevojave',
    REFLECTION_REVIEW: 'Rishikimi i periudhës së rimëkëmbjes dhe reflektimit',
    ASSISTANCE_PLAN: 'Plani i asistencës dhe riintegrimit',
    PLAN_ITEM: 'Veprim i planit',
    PLAN_REVIEW: 'Rishikimi i planit të asistencës',
    FOLLOW_UP: 'Kontroll pasues',
    CLOSURE_PROPOSAL: 'Propozoni mbylljen e rastit',
    CLOSURE_CONFIRMATION: 'Konfirmoni mbylljen e rastit',
  },
};

const TASK_TEXT: Record<
  Language,
  {
    body: (title: string, ref: string, due: string) => string;
    action: string;
    overdueSubject: (title: string, ref: string) => string;
    overdueBody: (title: string, ref: string, org: string, due: string) => string;
    withdrawnSubject: (ref: string) => string;
    withdrawnBody: (ref: string) => string;
    closedSubject: (ref: string) => string;
    closedBody: (ref: string) => string;
    childSubject: (ref: string) => string;
  }
> = {
  en: {
    body: (title, ref, due) => `${title} for case ${ref} is asked of your organisation, due by ${due}.`,
    action: 'Open the task',
    overdueSubject: (title, ref) => `Bashkë: overdue — ${title}, case ${ref}`,
    overdueBody: (title, ref, org, due) =>
      `${title} for case ${ref}, asked of ${org}, was due by ${due} and is not done yet.`,
    withdrawnSubject: (ref) => `Bashkë: case ${ref} withdrawn`,
    withdrawnBody: (ref) =>
      `The person withdrew from case ${ref}. Its open tasks are cancelled; no further work is asked.`,
    closedSubject: (ref) => `Bashkë: case ${ref} closed`,
    closedBody: (ref) => `Case ${ref} is closed.`,
    childSubject: (ref) => `Bashkë: child protection needed for case ${ref}`,
  },
  sq: {
    body: (title, ref, due) =>
      `${title} për rastin ${ref} i kërkohet organizatës suaj, me afat deri më ${due}.`,
    action: 'Hapni detyrën',
    overdueSubject: (title, ref) => `Bashkë: me vonesë — ${title}, rasti ${ref}`,
    overdueBody: (title, ref, org, due) =>
      `${title} për rastin ${ref}, e kërkuar nga ${org}, kishte afat deri më ${due} dhe nuk është kryer ende.`,
    withdrawnSubject: (ref) => `Bashkë: rasti ${ref} u tërhoq`,
    withdrawnBody: (ref) =>
      `Personi u tërhoq nga rasti ${ref}. Detyrat e hapura u anuluan; nuk kërkohet më punë.`,
    closedSubject: (ref) => `Bashkë: rasti ${ref} u mbyll`,
    closedBody: (ref) => `Rasti ${ref} u mbyll.`,
    childSubject: (ref) => `Bashkë: nevojitet mbrojtja e fëmijës për rastin ${ref}`,
  },
};

export interface TaskEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly kind: TaskKind;
  readonly reference: string;
  readonly due: Date;
  readonly timeZone: string;
  readonly link: string;
}

/** A task's email: what is asked, for which case reference, by when, and its single-use link. */
export function taskEmail(input: TaskEmailInput): OutgoingEmail {
  if (input.kind === 'OFFER') {
    return offerEmail({ ...input, deadline: input.due });
  }
  const t = TASK_TEXT[input.language];
  const title = TASK_TITLES[input.language][input.kind];
  const subject =
    input.kind === 'CHILD_PROTECTION'
      ? t.childSubject(input.reference)
      : `Bashkë: ${title} — ${input.reference}`;
  return compose(
    input.to,
    subject,
    [t.body(title, input.reference, formatInstant(input.due, input.timeZone))],
    { href: input.link, label: t.action },
    input.language,
  );
}

export interface OverdueEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  readonly kind: TaskKind;
  readonly reference: string;
  readonly orgName: string;
  readonly due: Date;
  readonly timeZone: string;
}

/** The escalation of an overdue task, to the organisation's focal points and the coordinators. */
export function overdueEmail(input: OverdueEmailInput): OutgoingEmail {
  const t = TASK_TEXT[input.language];
  const title = TASK_TITLES[input.language][input.kind];
  return compose(
    input.to,
    t.overdueSubject(title, input.reference),
    [t.overdueBody(title, input.reference, input.orgName, formatInstant(input.due, input.timeZone))],
    undefined,
    input.language,
  );
}

/** The case ended for everyone working on it: withdrawn by the person, or closed. */
export function caseEndEmail(input: {
  readonly to: readonly string[];
  readonly language: Language;
  readonly kind: 'withdrawn' | 'closed';
  readonly reference: string;
}): OutgoingEmail {
  const t = TASK_TEXT[input.language];
  const [subject, body] =
    input.kind === 'withdrawn'
      ? [t.withdrawnSubject(input.reference), t.withdrawnBody(input.reference)]
      : [t.closedSubject(input.reference), t.closedBody(input.reference)];
  return compose(input.to, subject, [body], undefined, input.language);
}

export interface UnreachableEmailInput {
  readonly to: readonly string[];
  readonly language: Language;
  /** The organisation whose contact cannot be reached. */
  readonly orgName: string;
  /** The contact's work address (an organisation's, never a person's under care). */
  readonly contactEmail: string;
  readonly reason: 'bounce' | 'complaint';
  /** How many of the contact's open tasks went to someone else. */
  readonly openTasks: number;
  /** The contact's name, as the directory has it. */
  readonly contact?: string;
}

const UNREACHABLE_TEXT: Record<
  Language,
  {
    subject: (org: string) => string;
    body: (who: string, org: string, reason: 'bounce' | 'complaint') => string;
    tasks: (n: number) => string;
    fix: string;
  }
> = {
  en: {
    subject: (org) => `Bashkë: a contact of ${org} cannot be reached by email`,
    body: (who, org, reason) =>
      reason === 'bounce'
        ? `Mail to ${who} (${org}) bounced permanently. Bashkë no longer emails this address.`
        : `${who} (${org}) marked a Bashkë message as spam. Bashkë no longer emails this address.`,
    tasks: (n) =>
      n === 0
        ? 'The contact had no open tasks.'
        : `${n} open task(s) of the contact were sent to the organisation's focal points (or to you).`,
    fix: 'Please correct the contact in the directory.',
  },
  sq: {
    subject: (org) => `Bashkë: një kontakt i ${org} nuk mund të arrihet me email`,
    body: (who, org, reason) =>
      reason === 'bounce'
        ? `Emaili për ${who} (${org}) u kthye përfundimisht. Bashkë nuk i dërgon më email kësaj adrese.`
        : `${who} (${org}) e shënoi një mesazh të Bashkë si të padëshiruar. Bashkë nuk i dërgon më email kësaj adrese.`,
    tasks: (n) =>
      n === 0
        ? 'Kontakti nuk kishte detyra të hapura.'
        : `${n} detyrë(a) e hapur e kontaktit iu dërgua pikave të kontaktit të organizatës (ose juve).`,
    fix: 'Ju lutemi korrigjoni kontaktin në regjistër.',
  },
};

/** The coordinators' word that a directory contact is unreachable (a hard bounce or a complaint). */
export function unreachableEmail(input: UnreachableEmailInput): OutgoingEmail {
  const t = UNREACHABLE_TEXT[input.language];
  const who = input.contact ? `${input.contact} <${input.contactEmail}>` : input.contactEmail;
  return compose(
    input.to,
    t.subject(input.orgName),
    [t.body(who, input.orgName, input.reason), t.tasks(input.openTasks), t.fix],
    undefined,
    input.language,
  );
}
