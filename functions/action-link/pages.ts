import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { escapeHtml } from '../../shared/email/html';
import { LOCALES, TASK_TITLES } from '../../shared/email/templates';
import { layout } from '../../shared/http/look';
import { formatInstant } from '../../shared/util/time';
import type { ActionOutcome } from './action-link';
import type { RsvpOutcome } from './rsvp';
import { errorSummary, markInvalid, offerFacts, T, taskForm } from './task-form';

const esc = escapeHtml;

/** Headers of every action page: no referrer leaks the token, nothing is cached or framed. */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
} as const;

function page(statusCode: number, html: string, head: boolean): APIGatewayProxyStructuredResultV2 {
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
): APIGatewayProxyStructuredResultV2 {
  const head = opts.head ?? false;
  if (outcome.kind === 'gone') return page(410, gonePage(opts.requestId), head);
  const { task } = outcome;
  const lang = task.language;
  const t = T[lang];
  const offer = task.kind === 'OFFER';
  const title = offer ? t.title : TASK_TITLES[lang][task.kind];
  const meeting = task.subject === 'meeting';
  if (outcome.kind === 'done') {
    const msg = meeting
      ? t.meetingRecorded(task.reference)
      : !offer
        ? t.recorded(task.reference)
        : outcome.result === 'accept'
          ? t.accepted(task.reference)
          : t.declined(task.reference);
    return page(200, layout(lang, title, `<p>${esc(msg)}</p>`, opts.requestId), head);
  }
  const invalid = outcome.kind === 'invalid';
  const due = formatInstant(task.due, opts.timeZone);
  const form = invalid
    ? markInvalid(taskForm(task, opts.timeZone), outcome.fields)
    : { html: taskForm(task, opts.timeZone), targets: new Map<string, string>() };
  const body = [
    `<p>${esc(
      meeting
        ? t.meetingIntro(task.reference, task.orgName)
        : offer
          ? t.intro(task.reference, task.orgName)
          : t.taskIntro(task.reference, task.orgName),
    )}</p>`,
    task.title ? `<p><strong>${esc(task.title)}</strong></p>` : '',
    task.offer ? offerFacts(lang, task.offer, due) : `<p>${esc(offer ? t.deadline(due) : t.due(due))}</p>`,
    invalid ? errorSummary(lang, outcome.fields, form.targets) : '',
    form.html,
  ].join('\n');
  return page(invalid ? 400 : 200, layout(lang, title, body, opts.requestId), head);
}

/** The invitation's answer page: the meeting, and one button per answer (each a POST). */
export function renderRsvp(
  outcome: RsvpOutcome,
  opts: { requestId: string; head?: boolean },
): APIGatewayProxyStructuredResultV2 {
  const head = opts.head ?? false;
  if (outcome.kind === 'gone') return page(410, gonePage(opts.requestId), head);
  const { view } = outcome;
  const m = LOCALES[view.language].meeting;
  const when = formatInstant(view.start, view.timeZone);
  if (outcome.kind === 'done') {
    const body = `<p>${esc(m.answered(m.answers[outcome.answer], view.title))}</p>`;
    return page(200, layout(view.language, view.title, body, opts.requestId), head);
  }
  const buttons = (['accepted', 'tentative', 'declined'] as const)
    .map(
      (a) =>
        `<form method="post"><input type="hidden" name="answer" value="${a}">` +
        `<button type="submit"${outcome.kind === 'confirm' && outcome.answer === a ? ' autofocus' : ''}>${esc(m.answers[a])}</button></form>`,
    )
    .join('\n');
  const body = [
    `<p>${esc(m.pageIntro(view.title, when))}</p>`,
    view.place ? `<p>${esc(m.place(view.place))}</p>` : '',
    outcome.kind === 'invalid' ? errorSummary(view.language, [], new Map()) : '',
    `<p>${esc(m.answerPrompt)}</p>`,
    buttons,
  ].join('\n');
  return page(
    outcome.kind === 'invalid' ? 400 : 200,
    layout(view.language, view.title, body, opts.requestId),
    head,
  );
}
