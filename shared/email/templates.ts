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

export type NoticeKind = 'accepted' | 'declined' | 'timedOut' | 'unassigned';

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
  }[input.kind] as [string, string];
  return compose(input.to, subject, [body], undefined, input.language);
}
