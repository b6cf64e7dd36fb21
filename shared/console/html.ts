import { escapeHtml } from '../email/html';
import type { FieldIssue } from '../errors';
import type { Lang } from './i18n';

/**
 * The console's building blocks, after the GOV.UK Design System's way with forms: a label
 * above every control, a hint under it, the error in words next to the field, and a summary
 * at the top whose links move focus to each field. Every value is escaped here; `html`
 * parameters are markup the caller built with these helpers.
 */
export const esc = escapeHtml;

/** The hidden CSRF field every console form carries. */
export function csrfField(csrf: string): string {
  return `<input type="hidden" name="_csrf" value="${esc(csrf)}">`;
}

/** A POST form to `action` with the CSRF field; `body` is the form's markup. */
export function postForm(action: string, csrf: string, body: string, attrs = ''): string {
  return `<form method="post" action="${esc(action)}" novalidate${attrs ? ` ${attrs}` : ''}>${csrfField(csrf)}${body}</form>`;
}

export interface FieldOptions {
  readonly id: string;
  readonly label: string;
  readonly hint?: string;
  /** The error in words; the field is marked and described by it. */
  readonly error?: string;
}

function describedBy(o: FieldOptions): string {
  const ids = [o.hint ? `${o.id}-hint` : '', o.error ? `${o.id}-error` : ''].filter(Boolean);
  return ids.length ? ` aria-describedby="${ids.join(' ')}"` : '';
}

function frame(o: FieldOptions, control: string): string {
  return [
    `<div class="field${o.error ? ' invalid' : ''}">`,
    `<label for="${esc(o.id)}">${esc(o.label)}</label>`,
    o.hint ? `<span class="hint" id="${esc(o.id)}-hint">${esc(o.hint)}</span>` : '',
    o.error ? `<span class="field-error" id="${esc(o.id)}-error">${esc(o.error)}</span>` : '',
    control,
    '</div>',
  ].join('');
}

export function textField(
  o: FieldOptions & {
    readonly name: string;
    readonly value?: string;
    readonly type?: 'text' | 'date' | 'number' | 'email' | 'url' | 'datetime-local' | 'time';
    readonly attrs?: string;
  },
): string {
  return frame(
    o,
    `<input id="${esc(o.id)}" name="${esc(o.name)}" type="${o.type ?? 'text'}" value="${esc(o.value ?? '')}"` +
      `${o.error ? ' aria-invalid="true"' : ''}${describedBy(o)}${o.attrs ? ` ${o.attrs}` : ''}>`,
  );
}

export function textArea(
  o: FieldOptions & { readonly name: string; readonly value?: string; readonly attrs?: string },
): string {
  return frame(
    o,
    `<textarea id="${esc(o.id)}" name="${esc(o.name)}"${o.error ? ' aria-invalid="true"' : ''}${describedBy(o)}` +
      `${o.attrs ? ` ${o.attrs}` : ''}>${esc(o.value ?? '')}</textarea>`,
  );
}

export interface Choice {
  readonly value: string;
  readonly label: string;
}

export function selectField(
  o: FieldOptions & { readonly name: string; readonly value?: string; readonly choices: readonly Choice[] },
): string {
  const options = o.choices
    .map(
      (c) =>
        `<option value="${esc(c.value)}"${c.value === (o.value ?? '') ? ' selected' : ''}>${esc(c.label)}</option>`,
    )
    .join('');
  return frame(
    o,
    `<select id="${esc(o.id)}" name="${esc(o.name)}"${o.error ? ' aria-invalid="true"' : ''}${describedBy(o)}>${options}</select>`,
  );
}

/**
 * Radios or checkboxes in a fieldset whose legend is the question. The summary links to the
 * first control (`<id>-0`).
 */
export function choiceGroup(o: {
  readonly id: string;
  readonly legend: string;
  readonly hint?: string;
  readonly error?: string;
  readonly name: string;
  readonly type: 'radio' | 'checkbox';
  readonly choices: readonly Choice[];
  readonly checked?: readonly string[];
}): string {
  const checked = new Set(o.checked ?? []);
  const items = o.choices.map(
    (c, i) =>
      `<p class="choice"><input type="${o.type}" id="${esc(o.id)}-${i}" name="${esc(o.name)}" value="${esc(c.value)}"` +
      `${checked.has(c.value) ? ' checked' : ''}${o.error && i === 0 ? ` aria-describedby="${esc(o.id)}-error"` : ''}>` +
      ` <label for="${esc(o.id)}-${i}">${esc(c.label)}</label></p>`,
  );
  return [
    `<fieldset class="${o.error ? 'invalid' : ''}"${o.hint ? ` aria-describedby="${esc(o.id)}-hint"` : ''}>`,
    `<legend>${esc(o.legend)}</legend>`,
    o.hint ? `<span class="hint" id="${esc(o.id)}-hint">${esc(o.hint)}</span>` : '',
    o.error ? `<span class="field-error" id="${esc(o.id)}-error">${esc(o.error)}</span>` : '',
    items.join(''),
    '</fieldset>',
  ].join('');
}

/** The error summary: first thing in the page's main content, each item a link to its field. */
export function errorSummary(
  title: string,
  errors: readonly { readonly href: string; readonly text: string }[],
): string {
  if (errors.length === 0) return '';
  return [
    '<div class="summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary">',
    `<h2 id="error-summary-title">${esc(title)}</h2><ul>`,
    ...errors.map((e) => `<li><a href="${esc(e.href)}">${esc(e.text)}</a></li>`),
    '</ul></div>',
  ].join('');
}

/** A table with a caption and header row; cells are markup. `num` columns align right. */
export function table(o: {
  readonly caption: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly num?: readonly number[];
  readonly empty: string;
}): string {
  if (o.rows.length === 0) return `<p class="muted">${esc(o.empty)}</p>`;
  const num = new Set(o.num ?? []);
  const cls = (i: number) => (num.has(i) ? ' class="num"' : '');
  return [
    '<div class="table-wrap"><table>',
    `<caption>${esc(o.caption)}</caption>`,
    `<thead><tr>${o.head.map((h, i) => `<th scope="col"${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...o.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`),
    '</tbody></table></div>',
  ].join('');
}

/** A definition list of facts: terms and (escaped) values. */
export function facts(rows: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${rows.map(([t, v]) => `<dt>${esc(t)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

export function tag(text: string, tone: '' | 'warn' | 'bad' | 'ok' = ''): string {
  return `<span class="tag${tone ? ` ${tone}` : ''}">${esc(text)}</span>`;
}

export function link(href: string, text: string): string {
  return `<a href="${esc(href)}">${esc(text)}</a>`;
}

/** Plain words for the rule a field broke (zod's issue codes and ours), in the page's language. */
const ISSUE_WORDS: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  en: {
    required: 'This is required.',
    invalid_type: 'This is required.',
    too_small: 'This is too short or too small.',
    too_big: 'This is too long or too large.',
    invalid_format: 'This is not in the right form.',
    invalid_value: 'Choose one of the options.',
    invalid_union: 'This is not one of the accepted answers.',
    not_unique: 'Each value may be given only once.',
    future_date: 'This date cannot be in the future.',
    too_old: 'This date is too long ago.',
    identity_field: 'Do not enter anything that identifies the person.',
    custom: 'This is not valid.',
  },
  sq: {
    required: 'Kjo është e detyrueshme.',
    invalid_type: 'Kjo është e detyrueshme.',
    too_small: 'Kjo është shumë e shkurtër ose shumë e vogël.',
    too_big: 'Kjo është shumë e gjatë ose shumë e madhe.',
    invalid_format: 'Kjo nuk është në formën e duhur.',
    invalid_value: 'Zgjidhni një nga mundësitë.',
    invalid_union: 'Kjo nuk është një nga përgjigjet e pranuara.',
    not_unique: 'Çdo vlerë mund të jepet vetëm një herë.',
    future_date: 'Kjo datë nuk mund të jetë në të ardhmen.',
    too_old: 'Kjo datë është shumë e largët.',
    identity_field: 'Mos shkruani asgjë që identifikon personin.',
    custom: 'Kjo nuk është e vlefshme.',
  },
};

export function issueWords(lang: Lang, code: string): string {
  return ISSUE_WORDS[lang][code] ?? ISSUE_WORDS[lang].custom ?? code;
}

/**
 * Each field's first error in words, by the field's path (`/person/needs/0` → `person/needs`
 * when `depth` is 2): what a form shows beside the field it names.
 */
export function errorsByField(lang: Lang, issues: readonly FieldIssue[], depth = 3): Map<string, string> {
  const out = new Map<string, string>();
  for (const issue of issues) {
    const key = issue.path
      .replace(/^\//, '')
      .split('/')
      .filter((s) => !/^\d+$/.test(s))
      .slice(0, depth)
      .join('/');
    if (!out.has(key)) out.set(key, issueWords(lang, issue.code));
  }
  return out;
}
