import { VOCABULARY } from '../../shared/console/vocabulary';
import { NEEDS } from '../../shared/domain/codes';
import { escapeHtml } from '../../shared/email/html';
import type { Language } from '../../shared/email/templates';
import { formatInstant } from '../../shared/util/time';
import type { OfferFacts, TaskSummary } from './action-link';

/**
 * The form of each kind of task, its words and its error marks: what the emailed link's page
 * (pages.ts) and the console's task page (functions/console/pages/tasks.ts) both show, so a
 * task is answered with the same fields whichever way it is opened.
 */

export const T = {
  en: {
    title: 'Referral offer',
    intro: (ref: string, org: string) => `Case ${ref} is offered to ${org}.`,
    taskIntro: (ref: string, org: string) => `Case ${ref}, for ${org}.`,
    deadline: (d: string) => `Please answer by ${d}.`,
    due: (d: string) => `Due by ${d}.`,
    accept: 'Accept the referral',
    decline: 'Decline the referral',
    reason: 'Reason (required, up to 500 characters)',
    invalid: 'The answer was not complete. Please check the fields marked below.',
    accepted: (ref: string) => `Thank you. You accepted case ${ref}. The referring officer is informed.`,
    declined: (ref: string) => `Thank you. You declined case ${ref}. It is offered to another organisation.`,
    recorded: (ref: string) => `Thank you. Your answer for case ${ref} is recorded.`,
    submit: 'Send',
    none: '— none —',
    guardian: 'A guardian has been appointed',
    needs: 'Needs found',
    planIntro: 'Choose who provides each item of the plan (leave "none" where no item is needed).',
    more: 'Items to add to the plan (optional)',
    current: 'Items of the plan still open',
    closeItem: 'no longer needed: close it',
    moreTime: 'more time',
    days: (n: number) => `${n} days from today`,
    keep: 'keep its deadline',
    done: 'Done',
    notPossible: 'Not possible',
    confirm: 'Confirm the closure',
    reject: 'Send back to the NGO',
    meetingIntro: (title: string, org: string) => `Meeting "${title}", for ${org}.`,
    meetingRecorded: (title: string) => `Thank you. Your answer for the meeting "${title}" is recorded.`,
    summary: "Summary of the meeting (the group's work only, nothing about a person)",
    decision: 'Decisions (one per line; action items are added in the console)',
    sessionDate: 'Date of the session',
    sessionPlace: 'Place',
    participants: 'Number of participants',
    factsRegion: 'Region',
    factsAge: 'Age group',
    factsNeeds: 'Needs',
    factsRisk: 'Risk level',
    factsDeadline: 'Answer by',
    ages: VOCABULARY.en.ageGroups,
    risks: VOCABULARY.en.riskLevels,
    fieldsToCheck: 'Fields to check:',
  },
  sq: {
    title: 'Ofertë referimi',
    intro: (ref: string, org: string) => `Rasti ${ref} i ofrohet ${org}.`,
    taskIntro: (ref: string, org: string) => `Rasti ${ref}, për ${org}.`,
    deadline: (d: string) => `Ju lutemi përgjigjuni deri më ${d}.`,
    due: (d: string) => `Afati: ${d}.`,
    accept: 'Prano referimin',
    decline: 'Refuzo referimin',
    reason: 'Arsyeja (e detyrueshme, deri në 500 shkronja)',
    invalid: 'Përgjigja nuk ishte e plotë. Ju lutemi kontrolloni fushat më poshtë.',
    accepted: (ref: string) =>
      `Faleminderit. Ju e pranuat rastin ${ref}. Oficeri që e referoi është njoftuar.`,
    declined: (ref: string) =>
      `Faleminderit. Ju e refuzuat rastin ${ref}. Ai i ofrohet një organizate tjetër.`,
    recorded: (ref: string) => `Faleminderit. Përgjigja juaj për rastin ${ref} u regjistrua.`,
    submit: 'Dërgo',
    none: '— asnjë —',
    guardian: 'Është caktuar një kujdestar',
    needs: 'Nevojat e gjetura',
    planIntro: 'Zgjidhni kush ofron çdo veprim të planit (lini "asnjë" kur nuk nevojitet).',
    more: "Veprime për t'u shtuar në plan (sipas dëshirës)",
    current: 'Veprimet e planit ende të hapura',
    closeItem: 'nuk nevojitet më: mbylleni',
    moreTime: 'më shumë kohë',
    days: (n: number) => `${n} ditë nga sot`,
    keep: 'mbajeni afatin',
    done: 'U krye',
    notPossible: 'Nuk është e mundur',
    confirm: 'Konfirmo mbylljen',
    reject: 'Ktheje te OJF-ja',
    meetingIntro: (title: string, org: string) => `Mbledhja "${title}", për ${org}.`,
    meetingRecorded: (title: string) => `Faleminderit. Përgjigja juaj për mbledhjen "${title}" u regjistrua.`,
    summary: 'Përmbledhja e mbledhjes (vetëm puna e grupit, asgjë për një person)',
    decision: 'Vendimet (një për rresht; detyrat shtohen në konsolë)',
    sessionDate: 'Data e sesionit',
    sessionPlace: 'Vendi',
    participants: 'Numri i pjesëmarrësve',
    factsRegion: 'Rajoni',
    factsAge: 'Grupmosha',
    factsNeeds: 'Nevojat',
    factsRisk: 'Niveli i rrezikut',
    factsDeadline: 'Përgjigjuni deri më',
    ages: VOCABULARY.sq.ageGroups,
    risks: VOCABULARY.sq.riskLevels,
    fieldsToCheck: 'Fushat për të kontrolluar:',
  },
} satisfies Record<Language, unknown>;

/**
 * The words of each choice a form offers, by field value: the domain's needs, plan services and
 * closing statuses (shared/console/vocabulary.ts), and the answers only these forms give.
 */
function choices(lang: Language): Readonly<Record<string, string>> {
  const v = VOCABULARY[lang];
  return {
    ...v.needs,
    ...v.planServices,
    ...FORM_CHOICES[lang],
    CLOSED: v.caseStatuses.CLOSED,
    CLOSED_REFERRED: v.caseStatuses.CLOSED_REFERRED,
  };
}

const FORM_CHOICES = {
  en: {
    completed: 'Reflection period completed',
    extended: 'Reflection period extended',
    continue: 'Assistance continues',
    complete: 'Assistance complete: move to follow-up',
    stable: 'Stable',
    'needs-support': 'Needs support',
    'no-contact': 'No contact',
  },
  sq: {
    completed: 'Periudha e reflektimit përfundoi',
    extended: 'Periudha e reflektimit u zgjat',
    continue: 'Asistenca vazhdon',
    complete: 'Asistenca përfundoi: kalim në ndjekje',
    stable: 'I qëndrueshëm',
    'needs-support': 'Ka nevojë për mbështetje',
    'no-contact': 'Pa kontakt',
  },
} satisfies Record<Language, unknown>;

export const CHOICES: Readonly<Record<Language, Readonly<Record<string, string>>>> = {
  en: choices('en'),
  sq: choices('sq'),
};

const esc = escapeHtml;

/**
 * Where a task's forms post, and what each carries besides its fields. The emailed link's
 * forms post back to the page's own URL (no action); the console's post to its task route
 * with the session's CSRF field.
 */
export interface FormTarget {
  /** The form's action; absent: the page's own URL. */
  readonly action?: string;
  /** Markup every form carries first (hidden fields: the console's CSRF token). */
  readonly hidden?: string;
  /** More attributes of each form element (`novalidate`). */
  readonly attrs?: string;
}

/** The opening tag of one of a task's forms, with what `target` asks for. */
function formOpen(target: FormTarget): string {
  const action = target.action === undefined ? '' : ` action="${esc(target.action)}"`;
  return `<form method="post"${action}${target.attrs ? ` ${target.attrs}` : ''}>${target.hidden ?? ''}`;
}

function radios(lang: Language, name: string, values: readonly string[]): string {
  return values
    .map(
      (v, i) =>
        `<p class="choice"><input type="radio" id="${name}-${i}" name="${name}" value="${esc(v)}" required>` +
        ` <label for="${name}-${i}">${esc(CHOICES[lang][v] ?? v)}</label></p>`,
    )
    .join('\n');
}

function planSelects(lang: Language, task: TaskSummary): string {
  const t = T[lang];
  return task.planChoices
    .map((c) => {
      const options = [`<option value="">${esc(t.none)}</option>`]
        .concat(c.orgs.map((o) => `<option value="${esc(o.orgId)}">${esc(o.name)}</option>`))
        .join('');
      return (
        `<p><label for="item-${c.service}">${esc(CHOICES[lang][c.service] ?? c.service)}</label>` +
        ` <select id="item-${c.service}" name="item.${c.service}">${options}</select></p>`
      );
    })
    .join('\n');
}

/** A review's open plan items: close one, or give it more time (30, 60 or 90 days). */
function openItems(lang: Language, task: TaskSummary, timeZone: string): string {
  if (task.openItems.length === 0) return '';
  const t = T[lang];
  const rows = task.openItems.map((item, i) => {
    const label = `${CHOICES[lang][item.service] ?? item.service} — ${item.orgName} (${formatInstant(item.due, timeZone)})`;
    const options = [`<option value="">${esc(t.keep)}</option>`]
      .concat([30, 60, 90].map((d) => `<option value="${d}">${esc(t.days(d))}</option>`))
      .join('');
    return (
      `<p>${esc(label)}</p><p class="choice"><input type="checkbox" id="close-${i}" name="close" value="${esc(item.taskId)}">` +
      ` <label for="close-${i}">${esc(t.closeItem)}</label></p>` +
      `<p><label for="more-${i}">${esc(t.moreTime)}</label>` +
      ` <select id="more-${i}" name="reschedule.${esc(item.taskId)}">${options}</select></p>`
    );
  });
  return `<fieldset><legend>${esc(t.current)}</legend>${rows.join('\n')}</fieldset>`;
}

function yesNoForms(
  lang: Language,
  open: string,
  yes: [string, string, string],
  no: [string, string, string],
): string {
  const t = T[lang];
  return [
    `${open}<input type="hidden" name="${yes[0]}" value="${yes[1]}">`,
    `<button type="submit">${esc(yes[2])}</button></form>`,
    `${open}<input type="hidden" name="${no[0]}" value="${no[1]}">`,
    `<p><label for="reason">${esc(t.reason)}</label>`,
    '<input id="reason" name="reason" type="text" required maxlength="500"></p>',
    `<p><button type="submit">${esc(no[2])}</button></p></form>`,
  ].join('\n');
}

/**
 * The form of each kind of task: the fields its outcome schema takes (shared/domain/tasks.ts),
 * in the summary's language, as `outcomeFromForm` reads them back. The emailed link and the
 * console show the same form; `target` says where it posts.
 */
export function taskForm(task: TaskSummary, timeZone: string, target: FormTarget = {}): string {
  const lang = task.language;
  const t = T[lang];
  const open = formOpen(target);
  const single = (fields: string) =>
    `${open}${fields}<p><button type="submit">${esc(t.submit)}</button></p></form>`;
  switch (task.kind) {
    case 'OFFER':
      return yesNoForms(lang, open, ['decision', 'accept', t.accept], ['decision', 'decline', t.decline]);
    case 'PLAN_ITEM':
      return yesNoForms(lang, open, ['result', 'done', t.done], ['result', 'not-possible', t.notPossible]);
    case 'CLOSURE_CONFIRMATION':
      return yesNoForms(lang, open, ['decision', 'confirm', t.confirm], ['decision', 'reject', t.reject]);
    case 'CHILD_PROTECTION':
      return single(
        '<p class="choice"><input type="checkbox" id="guardian" name="guardianAppointed" value="yes" required>' +
          ` <label for="guardian">${esc(t.guardian)}</label></p>`,
      );
    case 'NEEDS_ASSESSMENT':
      return single(
        `<fieldset><legend>${esc(t.needs)}</legend>` +
          NEEDS.map(
            (n, i) =>
              `<p class="choice"><input type="checkbox" id="need-${i}" name="needs" value="${n}">` +
              ` <label for="need-${i}">${esc(CHOICES[lang][n] ?? n)}</label></p>`,
          ).join('\n') +
          '</fieldset>',
      );
    case 'REFLECTION_REVIEW':
      return single(radios(lang, 'reflection', ['completed', 'extended']));
    case 'ASSISTANCE_PLAN':
      return single(`<p>${esc(t.planIntro)}</p>${planSelects(lang, task)}`);
    case 'PLAN_REVIEW':
      return single(
        `${radios(lang, 'decision', ['continue', 'complete'])}${openItems(lang, task, timeZone)}` +
          `<fieldset><legend>${esc(t.more)}</legend>${planSelects(lang, task)}</fieldset>`,
      );
    case 'FOLLOW_UP':
      return single(radios(lang, 'situation', ['stable', 'needs-support', 'no-contact']));
    case 'CLOSURE_PROPOSAL':
      return single(radios(lang, 'closure', ['CLOSED', 'CLOSED_REFERRED']));
    case 'ACTION_ITEM':
      return yesNoForms(lang, open, ['result', 'done', t.done], ['result', 'not-possible', t.notPossible]);
    case 'PREVENTION':
      return [
        `${open}<input type="hidden" name="result" value="done">`,
        `<p><label for="date">${esc(t.sessionDate)}</label> <input id="date" name="date" type="date" required></p>`,
        `<p><label for="place">${esc(t.sessionPlace)}</label> <input id="place" name="place" type="text" required maxlength="200"></p>`,
        `<p><label for="participants">${esc(t.participants)}</label> <input id="participants" name="participants" type="number" min="1" max="100000" required></p>`,
        `<p><button type="submit">${esc(t.done)}</button></p></form>`,
        `${open}<input type="hidden" name="result" value="not-possible">`,
        `<p><label for="reason">${esc(t.reason)}</label>`,
        '<input id="reason" name="reason" type="text" required maxlength="500"></p>',
        `<p><button type="submit">${esc(t.notPossible)}</button></p></form>`,
      ].join('\n');
    case 'MINUTES':
      return single(
        `<p><label for="summary">${esc(t.summary)}</label><br><textarea id="summary" name="summary" required maxlength="5000" rows="8"></textarea></p>` +
          `<p><label for="decisions">${esc(t.decision)}</label><br><textarea id="decisions" name="decisions" maxlength="5000" rows="6"></textarea></p>`,
      );
  }
}

/** The offer's decision facts (OfferFacts), in the page's language. */
export function offerFacts(lang: Language, facts: OfferFacts, due: string): string {
  const t = T[lang];
  const row = (term: string, value: string) => `<dt>${esc(term)}</dt><dd>${esc(value)}</dd>`;
  return [
    '<dl class="facts">',
    row(t.factsRegion, facts.regionName),
    row(t.factsAge, t.ages[facts.ageGroup]),
    row(t.factsNeeds, facts.needs.map((n) => CHOICES[lang][n] ?? n).join(', ')),
    row(t.factsRisk, t.risks[facts.riskLevel]),
    row(t.factsDeadline, due),
    '</dl>',
  ].join('');
}

const ERROR_ID = 'form-error';

export interface MarkOptions {
  /**
   * Each field's error in words, by field name: written next to the field's first control
   * (`<id>-error`), which the marked controls are described by. Without it they are
   * described by the link page's error summary.
   */
  readonly messages?: ReadonlyMap<string, string>;
}

/**
 * Marks the controls of the fields the answer got wrong (`aria-invalid`, described by the
 * error summary, or by the field's own message) and finds, for each field, the control its
 * summary links to. A field path (`/reason`, `items/0/orgId`) names its form field by its
 * first segment; a field given as `item.<service>` or `reschedule.<id>` matches by that prefix.
 */
export function markInvalid(
  html: string,
  fields: readonly string[],
  opts: MarkOptions = {},
): { html: string; targets: Map<string, string> } {
  const names = new Set(fields.map((f) => f.replace(/^\//, '').split('/')[0] ?? f));
  const targets = new Map<string, string>();
  const described = new Map<string, string>();
  const marked = html.replace(/<(?:input|select|textarea)\b[^>]*>/g, (tag) => {
    const id = /\sid="([^"]+)"/.exec(tag)?.[1];
    const name = /\sname="([^"]+)"/.exec(tag)?.[1];
    if (!id || !name || / type="hidden"/.test(tag)) return tag;
    const field = name.split('.')[0] ?? name;
    const hit = [field, name].filter((k) => names.has(k));
    if (hit.length === 0) return tag;
    const first = hit.find((k) => !targets.has(k));
    for (const key of hit) if (!targets.has(key)) targets.set(key, id);
    const message = first === undefined ? undefined : opts.messages?.get(first);
    if (first !== undefined && message !== undefined) {
      described.set(first, `${id}-error`);
      return (
        `<span class="field-error" id="${esc(id)}-error">${esc(message)}</span>` +
        `${tag.slice(0, -1)} aria-invalid="true" aria-describedby="${esc(id)}-error">`
      );
    }
    const by = hit.map((k) => described.get(k)).find((d) => d !== undefined) ?? ERROR_ID;
    return `${tag.slice(0, -1)} aria-invalid="true" aria-describedby="${esc(by)}">`;
  });
  return { html: marked, targets };
}

/** Announced as soon as the page loads (`role="alert"`); each field it names links to its control. */
export function errorSummary(
  lang: Language,
  fields: readonly string[],
  targets: Map<string, string>,
): string {
  const t = T[lang];
  const items = fields.map((f) => {
    const key = f.replace(/^\//, '').split('/')[0] ?? f;
    const id = targets.get(key);
    return id ? `<a href="#${esc(id)}">${esc(f)}</a>` : esc(f);
  });
  return (
    `<div class="alert" role="alert" id="${ERROR_ID}"><p><strong>${esc(t.invalid)}</strong></p>` +
    (items.length > 0 ? `<p>${esc(t.fieldsToCheck)} ${items.join(', ')}</p>` : '') +
    '</div>'
  );
}

/**
 * The form again with what was sent in it (the console, after an invalid answer): text, date
 * and number fields and text areas hold their values, boxes and options what was chosen.
 * Hidden fields stay as the form has them.
 */
export function refill(html: string, form: URLSearchParams): string {
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  const raw = (escaped: string) =>
    escaped
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return html.replace(
    /<input\b[^>]*>|<textarea\b([^>]*)><\/textarea>|<select\b[^>]*>[\s\S]*?<\/select>/g,
    (tag) => {
      const name = raw(attr(tag, 'name') ?? '');
      if (!name || !form.has(name)) return tag;
      if (tag.startsWith('<textarea'))
        return tag.replace('></textarea>', `>${esc(form.get(name) ?? '')}</textarea>`);
      if (tag.startsWith('<select')) {
        const chosen = form.get(name) ?? '';
        return tag.replace(/<option value="([^"]*)">/g, (option, value: string) =>
          raw(value) === chosen ? `<option value="${value}" selected>` : option,
        );
      }
      const type = attr(tag, 'type') ?? 'text';
      if (type === 'hidden') return tag;
      if (type === 'checkbox' || type === 'radio') {
        const value = raw(attr(tag, 'value') ?? '');
        return form.getAll(name).includes(value) ? `${tag.slice(0, -1)} checked>` : tag;
      }
      return `${tag.slice(0, -1)} value="${esc(form.get(name) ?? '')}">`;
    },
  );
}
