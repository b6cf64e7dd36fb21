import { type ConsoleResult, type MemberContext, page, redirect } from '../../../shared/console/app';
import {
  type Choice,
  choiceGroup,
  esc,
  issueWords,
  link,
  postForm,
  selectField,
  textArea,
  textField,
} from '../../../shared/console/html';
import type { Lang } from '../../../shared/console/i18n';
import { localToInstant, timeIssues } from '../../../shared/domain/meetings';
import { type FieldIssue, ValidationError } from '../../../shared/errors';
import {
  cancelMeeting,
  createMeeting,
  getMeeting,
  type MeetingView,
  recordMinutes,
} from '../../../shared/meetings/meetings';
import type { ConsoleDeps } from '../deps';
import {
  type FieldError,
  firstPerField,
  isDate,
  isTime,
  lines,
  meetingPath,
  normaliseDate,
  normaliseTime,
  type OrgChoice,
  regionOf,
  regionOrgs,
  summaryOf,
  T,
  value,
  whenText,
} from './meeting-words';

/**
 * The coordinator's meeting forms (docs/meetings.md): a new meeting, the cancellation and the
 * minutes. Each posts to its use case, which decides who may; a refusal shows beside the field
 * it is about.
 */

/** Action-item rows the minutes form offers (no script: a fixed number; empty rows are ignored). */
export const ACTION_ROWS = 5;
/** Decisions an action-item row may name by number. */
const DECISION_CHOICES = 10;

// --- a new meeting ----------------------------------------------------------------------------

const MEETING_FIELDS = [
  'title',
  'agenda',
  'place',
  'videoUrl',
  'start-date',
  'start-time',
  'end-date',
  'end-time',
  'orgs',
  'emails',
  'recurrence',
  'interval',
] as const;
type MeetingField = (typeof MEETING_FIELDS)[number];

/** The body `createMeeting` takes, built from the form exactly: empty fields are left out. */
export function meetingBody(form: URLSearchParams, region: string): Record<string, unknown> {
  const startDate = normaliseDate(value(form, 'start-date'));
  const startTime = normaliseTime(value(form, 'start-time'));
  const endDate = normaliseDate(value(form, 'end-date')) ?? startDate;
  const endTime = normaliseTime(value(form, 'end-time'));
  const frequency = form.get('recurrence');
  const interval = value(form, 'interval');
  const title = value(form, 'title');
  const place = value(form, 'place');
  const videoUrl = value(form, 'videoUrl');
  return {
    region,
    ...(title !== undefined ? { title } : {}),
    agenda: lines(form.get('agenda')),
    ...(place !== undefined ? { place } : {}),
    ...(videoUrl !== undefined ? { videoUrl } : {}),
    ...(startDate && startTime ? { start: `${startDate}T${startTime}` } : {}),
    ...(endDate && endTime ? { end: `${endDate}T${endTime}` } : {}),
    invite: {
      orgIds: form.getAll('orgId').filter(Boolean),
      emails: (form.get('emails') ?? '').split(/[\s,;]+/).filter(Boolean),
    },
    ...(frequency === 'weekly' || frequency === 'monthly'
      ? {
          recurrence: {
            frequency,
            ...(interval !== undefined
              ? { interval: /^\d+$/.test(interval) ? Number(interval) : interval }
              : {}),
          },
        }
      : {}),
  };
}

/** Each issue of `createMeeting` beside the field the form has for it. */
export function meetingErrors(
  lang: Lang,
  issues: readonly FieldIssue[],
  form: URLSearchParams,
): Map<string, string> {
  const e = T[lang].errors;
  const out: FieldError[] = [];
  const startDate = normaliseDate(value(form, 'start-date'));
  const startTime = normaliseTime(value(form, 'start-time'));
  const endDate = normaliseDate(value(form, 'end-date'));
  const endTime = normaliseTime(value(form, 'end-time'));
  for (const issue of issues) {
    const [head, sub] = issue.path.replace(/^\//, '').split('/');
    switch (head) {
      case 'title':
      case 'agenda':
      case 'place':
        out.push({ field: head, text: issue.code === 'custom' ? e.plain : issueWords(lang, issue.code) });
        break;
      case 'videoUrl':
        out.push({ field: 'videoUrl', text: e.videoUrl });
        break;
      case 'start':
        if (!isDate(startDate))
          out.push({ field: 'start-date', text: startDate ? e.date : issueWords(lang, 'required') });
        else if (!isTime(startTime))
          out.push({ field: 'start-time', text: startTime ? e.time : issueWords(lang, 'required') });
        else if (issue.code === 'in_the_past') out.push({ field: 'start-date', text: e.start_in_the_past });
        else if (issue.code === 'too_far_ahead')
          out.push({ field: 'start-date', text: e.start_too_far_ahead });
        else out.push({ field: 'start-date', text: e.date });
        break;
      case 'end':
        if (endDate !== undefined && !isDate(endDate)) out.push({ field: 'end-date', text: e.date });
        else if (!isTime(endTime))
          out.push({ field: 'end-time', text: endTime ? e.time : issueWords(lang, 'required') });
        else if (issue.code === 'too_long') out.push({ field: 'end-time', text: e.end_too_long });
        else if (isDate(startDate) || endDate !== undefined)
          out.push({ field: endDate !== undefined ? 'end-date' : 'end-time', text: e.end_before_start });
        break;
      case 'invite':
        if (sub === 'emails') out.push({ field: 'emails', text: e.email_unknown });
        else if (sub === 'orgIds')
          out.push({ field: 'orgs', text: issue.code === 'no_members' ? e.org_no_members : e.org_unknown });
        else out.push({ field: 'orgs', text: e.invite_none });
        break;
      case 'recurrence':
        out.push({ field: sub === 'interval' ? 'interval' : 'recurrence', text: e.interval });
        break;
      default:
        out.push({ field: 'title', text: e.form });
    }
  }
  return firstPerField(out);
}

const anchorOf = (field: string) =>
  field === 'orgs' || field === 'recurrence' ? `${field}-0` : field === 'emails' ? 'emails' : field;

function meetingForm(
  ctx: MemberContext,
  zone: string,
  region: string,
  orgs: readonly OrgChoice[],
  form: URLSearchParams,
  errors: ReadonlyMap<string, string> = new Map(),
): string {
  const t = T[ctx.lang];
  const err = (f: MeetingField) => {
    const text = errors.get(f);
    return text ? { error: text } : {};
  };
  const v = (name: string) => form.get(name) ?? '';
  const invitable = orgs.filter((o) => o.invitable);
  const choices: Choice[] = invitable.map((o) => ({ value: o.orgId, label: o.name }));
  const body = [
    `<p class="lead">${esc(t.newLead)}</p>`,
    `<div class="notice"><p>${esc(t.privacy)}</p></div>`,
    `<input type="hidden" name="region" value="${esc(region)}">`,
    textField({
      id: 'title',
      name: 'title',
      label: t.title,
      value: v('title'),
      attrs: 'maxlength="200"',
      ...err('title'),
    }),
    textArea({
      id: 'agenda',
      name: 'agenda',
      label: t.agendaField,
      hint: t.agendaHint,
      value: v('agenda'),
      ...err('agenda'),
    }),
    textField({
      id: 'place',
      name: 'place',
      label: t.placeField,
      hint: t.placeHint,
      value: v('place'),
      ...err('place'),
    }),
    textField({
      id: 'videoUrl',
      name: 'videoUrl',
      type: 'url',
      label: t.videoField,
      hint: t.videoHint,
      value: v('videoUrl'),
      attrs: 'spellcheck="false"',
      ...err('videoUrl'),
    }),
    textField({
      id: 'start-date',
      name: 'start-date',
      type: 'date',
      label: t.startDate,
      hint: t.dateHint(zone),
      value: v('start-date'),
      ...err('start-date'),
    }),
    textField({
      id: 'start-time',
      name: 'start-time',
      type: 'time',
      label: t.startTime,
      hint: t.timeHint,
      value: v('start-time'),
      ...err('start-time'),
    }),
    textField({
      id: 'end-time',
      name: 'end-time',
      type: 'time',
      label: t.endTime,
      hint: t.timeHint,
      value: v('end-time'),
      ...err('end-time'),
    }),
    textField({
      id: 'end-date',
      name: 'end-date',
      type: 'date',
      label: t.endDate,
      hint: t.endDateHint,
      value: v('end-date'),
      ...err('end-date'),
    }),
    choices.length
      ? choiceGroup({
          id: 'orgs',
          name: 'orgId',
          type: 'checkbox',
          legend: t.orgs,
          hint: t.orgsHint,
          choices,
          checked: form.getAll('orgId'),
          ...err('orgs'),
        })
      : `<p class="muted" id="orgs-0">${esc(t.noOrgs)}</p>`,
    textArea({
      id: 'emails',
      name: 'emails',
      label: t.emails,
      hint: t.emailsHint,
      value: v('emails'),
      attrs: 'spellcheck="false"',
      ...err('emails'),
    }),
    choiceGroup({
      id: 'recurrence',
      name: 'recurrence',
      type: 'radio',
      legend: t.recurrence,
      choices: [
        { value: 'none', label: t.once },
        { value: 'weekly', label: t.weekly },
        { value: 'monthly', label: t.monthly },
      ],
      checked: [form.get('recurrence') ?? 'none'],
      ...err('recurrence'),
    }),
    textField({
      id: 'interval',
      name: 'interval',
      type: 'number',
      label: t.intervalField,
      hint: t.intervalHint,
      value: v('interval'),
      attrs: 'min="1" max="12" inputmode="numeric"',
      ...err('interval'),
    }),
    `<div class="actions"><button type="submit">${esc(t.create)}</button> ${link('/console/meetings', t.back)}</div>`,
  ].join('');
  return summaryOf(ctx.lang, errors, anchorOf) + postForm('/console/meetings/new', ctx.csrf, body);
}

/**
 * The time rules the use case checks after its schema (`timeIssues`, and the schema's own
 * start-before-end, which zod runs only once every field is valid): when the schema refused
 * other fields, these are found here with the same domain functions, so the form shows every
 * problem at once instead of one round after another. Nothing is written either way.
 */
function laterTimeIssues(
  deps: ConsoleDeps,
  ctx: MemberContext,
  issues: readonly FieldIssue[],
  form: URLSearchParams,
  region: string,
): FieldIssue[] {
  if (issues.some((i) => i.path === '/start' || i.path === '/end')) return [];
  const body = meetingBody(form, region);
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
  if (typeof body.start !== 'string' || typeof body.end !== 'string') return [];
  if (!local.test(body.start) || !local.test(body.end)) return [];
  try {
    const start = localToInstant(body.start, deps.meetings.timeZone);
    const end = localToInstant(body.end, deps.meetings.timeZone);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return [];
    return timeIssues(start, end, ctx.now);
  } catch {
    // Not a calendar time (30 February): the schema's issue is there already.
    return [];
  }
}

export async function newMeeting(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const posted = ctx.req.method === 'POST';
  const asked = posted ? (ctx.req.form.get('region') ?? '') : regionOf(ctx);
  // A region not the coordinator's is left to the use case (403), as from the API.
  const region = asked || (ctx.caller.regions[0] ?? '');
  const orgs = ctx.caller.regions.includes(region) ? await regionOrgs(deps, ctx.caller, region) : [];
  if (!posted)
    return page(t.newTitle, meetingForm(ctx, deps.meetings.timeZone, region, orgs, new URLSearchParams()));
  const form = ctx.req.form;
  try {
    const made = await createMeeting(deps.meetings, ctx.caller, meetingBody(form, region));
    const first = made[0];
    return redirect(first ? `${meetingPath(first.meetingId)}?done=created` : '/console/meetings');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const errors = meetingErrors(
      ctx.lang,
      [...error.issues, ...laterTimeIssues(deps, ctx, error.issues, form, region)],
      form,
    );
    return page(t.newTitle, meetingForm(ctx, deps.meetings.timeZone, region, orgs, form, errors), 400);
  }
}

// --- the cancellation -------------------------------------------------------------------------

export async function cancel(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const version = ctx.req.form.get('version') ?? '';
  await cancelMeeting(deps.meetings, ctx.caller, ctx.req.params, {
    version: /^\d+$/.test(version) ? Number(version) : version,
    ...(ctx.req.form.get('series') === 'true' ? { series: true } : {}),
  });
  return redirect(`${meetingPath(ctx.req.params.meetingId as string)}?done=cancelled`);
}

// --- the minutes ------------------------------------------------------------------------------

interface MinutesBody {
  readonly body: {
    summary?: string;
    decisions: { text: string; actions: Record<string, string>[] }[];
  };
  /** Where each action went: `[decision][action]` → the form's row. */
  readonly rows: Map<string, number>;
  /** What the form itself refuses (an action row naming a decision that is not there). */
  readonly errors: FieldError[];
}

/** The body `recordMinutes` takes (minutesSchema), from the form exactly; empty rows left out. */
export function minutesBody(form: URLSearchParams): MinutesBody {
  const summary = value(form, 'summary');
  const decisions = lines(form.get('decisions')).map((text) => ({
    text,
    actions: [] as Record<string, string>[],
  }));
  const rows = new Map<string, number>();
  const errors: FieldError[] = [];
  for (let i = 0; i < ACTION_ROWS; i++) {
    const title = value(form, `action-${i}-title`);
    const orgId = value(form, `action-${i}-org`);
    const due = normaliseDate(value(form, `action-${i}-due`));
    if (title === undefined && orgId === undefined && due === undefined) continue;
    const kind = form.get(`action-${i}-kind`) ?? 'ACTION_ITEM';
    const n = Number(form.get(`action-${i}-decision`) ?? '1') - 1;
    const decision = decisions[n];
    if (!Number.isInteger(n) || !decision) {
      errors.push({ field: `action-${i}-decision`, text: '' });
      continue;
    }
    rows.set(`${n}/${decision.actions.length}`, i);
    decision.actions.push({
      kind,
      ...(title !== undefined ? { title } : {}),
      ...(orgId !== undefined ? { orgId } : {}),
      ...(due !== undefined ? { dueDate: due } : {}),
    });
  }
  return { body: { ...(summary !== undefined ? { summary } : {}), decisions }, rows, errors };
}

/** Each issue of `recordMinutes` beside its field: action items by the row they came from. */
export function minutesErrors(
  lang: Lang,
  issues: readonly FieldIssue[],
  rows: ReadonlyMap<string, number>,
  own: readonly FieldError[] = [],
): Map<string, string> {
  const e = T[lang].errors;
  const out: FieldError[] = own.map((o) => ({ field: o.field, text: o.text || e.actionDecision }));
  for (const issue of issues) {
    const parts = issue.path.replace(/^\//, '').split('/');
    if (parts[0] === 'decisions' && parts[2] === 'actions' && parts[3] !== undefined) {
      const row = rows.get(`${parts[1]}/${parts[3]}`);
      if (row === undefined) {
        out.push({ field: 'decisions', text: e.decisions });
        continue;
      }
      const f = parts[4];
      if (f === 'orgId' || f === 'email') out.push({ field: `action-${row}-org`, text: e.actionOrg });
      else if (f === 'dueDate') out.push({ field: `action-${row}-due`, text: e.actionDue });
      else if (f === 'kind')
        out.push({ field: `action-${row}-kind`, text: issueWords(lang, 'invalid_value') });
      else out.push({ field: `action-${row}-title`, text: e.actionTitle });
    } else if (parts[0] === 'decisions') out.push({ field: 'decisions', text: e.decisions });
    else out.push({ field: 'summary', text: e.summary });
  }
  return firstPerField(out);
}

function minutesForm(
  ctx: MemberContext,
  m: MeetingView,
  orgs: readonly OrgChoice[],
  form: URLSearchParams,
  errors: ReadonlyMap<string, string> = new Map(),
): string {
  const t = T[ctx.lang];
  const err = (f: string) => {
    const text = errors.get(f);
    return text ? { error: text } : {};
  };
  const v = (name: string) => form.get(name) ?? '';
  const orgChoices: Choice[] = [
    { value: '', label: t.chooseOrg },
    ...orgs.map((o) => ({ value: o.orgId, label: o.name })),
  ];
  const decisionChoices: Choice[] = Array.from({ length: DECISION_CHOICES }, (_, i) => ({
    value: String(i + 1),
    label: t.decisionN(i + 1),
  }));
  const rows = Array.from({ length: ACTION_ROWS }, (_, i) => {
    const p = `action-${i}`;
    return [
      `<fieldset><legend>${esc(t.actionRow(i + 1))}</legend>`,
      textField({
        id: `${p}-title`,
        name: `${p}-title`,
        label: t.actionWhat,
        value: v(`${p}-title`),
        attrs: 'maxlength="200"',
        ...err(`${p}-title`),
      }),
      selectField({
        id: `${p}-kind`,
        name: `${p}-kind`,
        label: t.actionKind,
        value: v(`${p}-kind`) || 'ACTION_ITEM',
        choices: [
          { value: 'ACTION_ITEM', label: t.kinds.ACTION_ITEM },
          { value: 'PREVENTION', label: t.kinds.PREVENTION },
        ],
        ...err(`${p}-kind`),
      }),
      selectField({
        id: `${p}-org`,
        name: `${p}-org`,
        label: t.actionOrg,
        value: v(`${p}-org`),
        choices: orgChoices,
        ...err(`${p}-org`),
      }),
      textField({
        id: `${p}-due`,
        name: `${p}-due`,
        type: 'date',
        label: t.actionDue,
        hint: t.actionDueHint,
        value: v(`${p}-due`),
        ...err(`${p}-due`),
      }),
      selectField({
        id: `${p}-decision`,
        name: `${p}-decision`,
        label: t.actionDecision,
        value: v(`${p}-decision`) || '1',
        choices: decisionChoices,
        ...err(`${p}-decision`),
      }),
      '</fieldset>',
    ].join('');
  });
  const body = [
    `<p class="lead">${esc(t.minutesLead)}</p>`,
    `<p>${esc(whenText(m, ctx.lang, ctx.timeZone))}</p>`,
    textArea({
      id: 'summary',
      name: 'summary',
      label: t.summaryField,
      value: v('summary'),
      attrs: 'rows="8"',
      ...err('summary'),
    }),
    textArea({
      id: 'decisions',
      name: 'decisions',
      label: t.decisionsField,
      hint: t.decisionsHint,
      value: v('decisions'),
      attrs: 'rows="6"',
      ...err('decisions'),
    }),
    `<h2>${esc(t.actionsHeading)}</h2><p class="hint">${esc(t.actionsHint)}</p>`,
    ...rows,
    `<div class="actions"><button type="submit">${esc(t.saveMinutes)}</button> ${link(meetingPath(m.meetingId), t.openMeeting)}</div>`,
  ].join('');
  return (
    summaryOf(ctx.lang, errors, (f) => f) + postForm(`${meetingPath(m.meetingId)}/minutes`, ctx.csrf, body)
  );
}

export async function minutesPage(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const m = await getMeeting(deps.meetings, ctx.caller, ctx.req.params);
  const title = t.minutesTitle(m.title);
  const back = `<p>${link(meetingPath(m.meetingId), t.openMeeting)}</p>`;
  if (m.status === 'CANCELLED') return page(title, `<p>${esc(t.minutesCancelled)}</p>${back}`, 409);
  if (m.minutes) return page(title, `<p>${esc(t.minutesDone)}</p>${back}`, 409);
  if (!m.minutesTaskId) return page(title, `<p>${esc(t.minutesLater)}</p>${back}`, 409);
  const orgs = await regionOrgs(deps, ctx.caller, m.region);
  if (ctx.req.method === 'GET') return page(title, minutesForm(ctx, m, orgs, new URLSearchParams()));
  const form = ctx.req.form;
  const built = minutesBody(form);
  if (built.errors.length) {
    // Nothing is sent that the form could not map: a dropped row would be minutes without it.
    return page(
      title,
      minutesForm(ctx, m, orgs, form, minutesErrors(ctx.lang, [], built.rows, built.errors)),
      400,
    );
  }
  try {
    await recordMinutes(deps.meetings, ctx.caller, ctx.req.params, built.body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return page(
      title,
      minutesForm(ctx, m, orgs, form, minutesErrors(ctx.lang, error.issues, built.rows)),
      400,
    );
  }
  return redirect(`${meetingPath(m.meetingId)}?done=minutes`);
}
