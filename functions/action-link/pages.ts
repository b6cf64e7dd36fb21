import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { escapeHtml } from '../../shared/email/html';
import type { Language } from '../../shared/email/templates';
import { formatInstant } from '../../shared/util/time';
import type { ActionOutcome } from './action-link';

/** Headers of every action page: no referrer leaks the token, nothing is cached or framed. */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
} as const;

const T = {
  en: {
    title: 'Referral offer',
    intro: (ref: string, org: string) => `Case ${ref} is offered to ${org}.`,
    deadline: (d: string) => `Please answer by ${d}.`,
    accept: 'Accept the referral',
    decline: 'Decline the referral',
    reason: 'Reason for declining (required, up to 500 characters)',
    invalid: 'The answer was not complete. Please check the fields marked below.',
    accepted: (ref: string) => `Thank you. You accepted case ${ref}. The referring officer is informed.`,
    declined: (ref: string) => `Thank you. You declined case ${ref}. It is offered to another organisation.`,
  },
  sq: {
    title: 'Ofertë referimi',
    intro: (ref: string, org: string) => `Rasti ${ref} i ofrohet ${org}.`,
    deadline: (d: string) => `Ju lutemi përgjigjuni deri më ${d}.`,
    accept: 'Prano referimin',
    decline: 'Refuzo referimin',
    reason: 'Arsyeja e refuzimit (e detyrueshme, deri në 500 shkronja)',
    invalid: 'Përgjigja nuk ishte e plotë. Ju lutemi kontrolloni fushat më poshtë.',
    accepted: (ref: string) =>
      `Faleminderit. Ju e pranuat rastin ${ref}. Oficeri që e referoi është njoftuar.`,
    declined: (ref: string) =>
      `Faleminderit. Ju e refuzuat rastin ${ref}. Ai i ofrohet një organizate tjetër.`,
  },
} satisfies Record<Language, unknown>;

function layout(lang: string, title: string, body: string, requestId: string): string {
  return [
    '<!doctype html>',
    `<html lang="${lang}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}' +
      'form{margin:1.5rem 0}button{font-size:1rem;padding:.5rem 1rem}input{width:100%;font-size:1rem}</style>',
    `</head><body><h1>Bashkë — ${escapeHtml(title)}</h1>`,
    body,
    `<p><small>Request ${escapeHtml(requestId)}</small></p>`,
    '</body></html>',
  ].join('\n');
}

function page(statusCode: number, html: string, head: boolean): APIGatewayProxyResultV2 {
  return { statusCode, headers: { ...PAGE_HEADERS }, body: head ? '' : html };
}

/** The one page for every token that cannot be used, in both languages. */
function gonePage(requestId: string): string {
  return layout(
    'sq',
    'Lidhja nuk është më e vlefshme / This link is no longer valid',
    '<p>Kjo lidhje nuk mund të përdoret më: është përdorur, ka skaduar ose nuk ekziston.</p>' +
      '<p lang="en">This link can no longer be used: it was used, it expired, or it does not exist.</p>',
    requestId,
  );
}

export function renderOutcome(
  outcome: ActionOutcome,
  opts: { requestId: string; timeZone: string; head?: boolean },
): APIGatewayProxyResultV2 {
  const head = opts.head ?? false;
  if (outcome.kind === 'gone') return page(410, gonePage(opts.requestId), head);
  const { offer } = outcome;
  const t = T[offer.language];
  const intro = `<p>${escapeHtml(t.intro(offer.reference, offer.orgName))}</p>`;
  if (outcome.kind === 'done') {
    const msg = outcome.decision === 'accept' ? t.accepted(offer.reference) : t.declined(offer.reference);
    return page(200, layout(offer.language, t.title, `<p>${escapeHtml(msg)}</p>`, opts.requestId), head);
  }
  const invalid = outcome.kind === 'invalid';
  const marked = invalid ? new Set(outcome.fields) : new Set<string>();
  const forms = [
    intro,
    `<p>${escapeHtml(t.deadline(formatInstant(offer.deadline, opts.timeZone)))}</p>`,
    invalid ? `<p role="alert"><strong>${escapeHtml(t.invalid)}</strong></p>` : '',
    '<form method="post"><input type="hidden" name="decision" value="accept">',
    `<button type="submit">${escapeHtml(t.accept)}</button></form>`,
    '<form method="post"><input type="hidden" name="decision" value="decline">',
    `<label for="reason">${escapeHtml(t.reason)}${marked.has('reason') ? ' *' : ''}</label>`,
    '<input id="reason" name="reason" type="text" required maxlength="500">',
    `<p><button type="submit">${escapeHtml(t.decline)}</button></p></form>`,
  ].join('\n');
  return page(invalid ? 400 : 200, layout(offer.language, t.title, forms, opts.requestId), head);
}
