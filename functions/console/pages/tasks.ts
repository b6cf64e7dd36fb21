import {
  type ConsoleResult,
  type ConsoleRoute,
  type MemberContext,
  memberRoute,
  page,
  redirect,
} from '../../../shared/console/app';
import { csrfField, errorSummary, esc, facts, link, table, tag } from '../../../shared/console/html';
import { COMMON, formatDateTime, type Lang, type Messages } from '../../../shared/console/i18n';
import type { Role } from '../../../shared/domain/codes';
import { outcomeFromForm, type TaskStatus } from '../../../shared/domain/tasks';
import { TASK_TITLES } from '../../../shared/email/templates';
import {
  ConflictError,
  type FieldIssue,
  GoneError,
  NotFoundError,
  ValidationError,
} from '../../../shared/errors';
import { taskSummary } from '../../action-link/action-link';
import { CHOICES, T as FORM, markInvalid, offerFacts, refill, taskForm } from '../../action-link/task-form';
import { getTask, listTasks, submitCompletion, type TaskView } from '../../tasks-api/tasks-api';
import type { ConsoleDeps } from '../deps';

/**
 * The task pages (issue 11): an organisation's task list (overdue, due soon, open), a council
 * member's action items, and one task's page with the same form per kind as the emailed link
 * (functions/action-link/task-form.ts), done through the task API's use cases: `listTasks`,
 * `getTask`, `submitCompletion` — who sees which task is theirs to decide (docs/access.md).
 */

/** Roles with a task list in the menu. */
const LIST_ROLES: readonly Role[] = ['ngo', 'localgov', 'coordinator'];
/** Roles that open a task's page: those with a list, and council members for their meeting tasks. */
const TASK_ROLES: readonly Role[] = ['ngo', 'localgov', 'coordinator', 'council'];

/** Due within this long (and not yet overdue): "due soon". */
const DUE_SOON_MS = 3 * 24 * 3600 * 1000;
/** Tasks per list page (the use case's most). */
const PAGE_SIZE = '100';

const W = {
  en: {
    tasks: 'Tasks',
    actionItems: 'My action items',
    tasksLead: 'The open tasks of your organisation, the most urgent first.',
    actionItemsLead:
      'The tasks that the group’s meetings gave your organisation: action items, prevention work and minutes.',
    closedTasks: 'Closed tasks',
    closedLead: 'Tasks that are done or can no longer be done, by their due date, the earliest first.',
    overdue: 'Overdue',
    dueSoon: 'Due in the next 3 days',
    later: 'Open',
    tagOverdue: 'Overdue',
    tagSoon: 'Due soon',
    head: ['Task', 'Case or meeting', 'Due', 'Status'],
    closedHead: ['Task', 'Case or meeting', 'Due', 'Outcome', 'Closed'],
    noOpen: 'There are no open tasks.',
    noClosed: 'There are no closed tasks.',
    filter: 'Show',
    all: 'All tasks of my organisation',
    mine: 'Only the tasks sent to me',
    nextPage: 'Next page',
    firstPage: 'Back to the first page',
    showClosed: 'Closed tasks',
    showOpen: 'Open tasks',
    statuses: {
      OPEN: 'Open',
      DONE: 'Done',
      DECLINED: 'Declined',
      TIMED_OUT: 'Timed out',
      CANCELLED: 'Cancelled',
    } satisfies Record<TaskStatus, string>,
    service: 'Service',
    status: 'Status',
    answer: 'Your answer',
    back: 'Back to the tasks',
    backActions: 'Back to my action items',
    done: 'Done:',
    fieldErrors: {
      form: 'The answer was not complete. Check it and send it again.',
      reason: 'Give the reason on one line, in up to 500 characters.',
      decision: 'Choose one of the answers.',
      result: 'Choose one of the answers.',
      reflection: 'Choose one of the answers.',
      situation: 'Choose one of the answers.',
      closure: 'Choose one of the answers.',
      needs: 'Choose at least one need, each once.',
      guardianAppointed: 'Confirm that a guardian has been appointed.',
      items: 'Choose who provides each item: an organisation of the case’s region that gives the service.',
      close: 'Choose only open items of this plan, each once.',
      reschedule: 'Choose only open items of this plan, each once.',
      date: 'Enter the date of the session.',
      place: 'Enter the place on one line, in up to 200 characters.',
      participants: 'Enter the number of participants, from 1 to 100000.',
      summary: 'Write the summary, in up to 5000 characters.',
      decisions: 'Write each decision on its own line, in up to 1000 characters.',
    } as Record<string, string>,
    codes: {
      outside_consent: 'The person’s consent does not cover this organisation.',
      does_not_provide: 'This organisation does not give this service.',
    } as Record<string, string>,
  },
  sq: {
    tasks: 'Detyrat',
    actionItems: 'Detyrat e mia',
    tasksLead: 'Detyrat e hapura të organizatës suaj, më të ngutshmet në fillim.',
    actionItemsLead:
      'Detyrat që mbledhjet e grupit i dhanë organizatës suaj: detyrat, puna parandaluese dhe procesverbalet.',
    closedTasks: 'Detyrat e mbyllura',
    closedLead: 'Detyrat e kryera ose që nuk mund të kryhen më, sipas afatit, më të hershmet në fillim.',
    overdue: 'Me afat të kaluar',
    dueSoon: 'Me afat në 3 ditët e ardhshme',
    later: 'Të hapura',
    tagOverdue: 'Afati ka kaluar',
    tagSoon: 'Afati afron',
    head: ['Detyra', 'Rasti ose mbledhja', 'Afati', 'Gjendja'],
    closedHead: ['Detyra', 'Rasti ose mbledhja', 'Afati', 'Rezultati', 'Mbyllur'],
    noOpen: 'Nuk ka detyra të hapura.',
    noClosed: 'Nuk ka detyra të mbyllura.',
    filter: 'Shfaq',
    all: 'Të gjitha detyrat e organizatës sime',
    mine: 'Vetëm detyrat e dërguara mua',
    nextPage: 'Faqja tjetër',
    firstPage: 'Kthehu te faqja e parë',
    showClosed: 'Detyrat e mbyllura',
    showOpen: 'Detyrat e hapura',
    statuses: {
      OPEN: 'E hapur',
      DONE: 'U krye',
      DECLINED: 'U refuzua',
      TIMED_OUT: 'Afati skadoi',
      CANCELLED: 'U anulua',
    } satisfies Record<TaskStatus, string>,
    service: 'Shërbimi',
    status: 'Gjendja',
    answer: 'Përgjigja juaj',
    back: 'Kthehu te detyrat',
    backActions: 'Kthehu te detyrat e mia',
    done: 'U krye:',
    fieldErrors: {
      form: 'Përgjigja nuk ishte e plotë. Kontrollojeni dhe dërgojeni përsëri.',
      reason: 'Shkruani arsyen në një rresht, deri në 500 shkronja.',
      decision: 'Zgjidhni një nga përgjigjet.',
      result: 'Zgjidhni një nga përgjigjet.',
      reflection: 'Zgjidhni një nga përgjigjet.',
      situation: 'Zgjidhni një nga përgjigjet.',
      closure: 'Zgjidhni një nga përgjigjet.',
      needs: 'Zgjidhni të paktën një nevojë, secilën një herë.',
      guardianAppointed: 'Konfirmoni që është caktuar një kujdestar.',
      items: 'Zgjidhni kush ofron çdo veprim: një organizatë e rajonit të rastit që e jep këtë shërbim.',
      close: 'Zgjidhni vetëm veprime të hapura të këtij plani, secilin një herë.',
      reschedule: 'Zgjidhni vetëm veprime të hapura të këtij plani, secilin një herë.',
      date: 'Shkruani datën e sesionit.',
      place: 'Shkruani vendin në një rresht, deri në 200 shkronja.',
      participants: 'Shkruani numrin e pjesëmarrësve, nga 1 deri në 100000.',
      summary: 'Shkruani përmbledhjen, deri në 5000 shkronja.',
      decisions: 'Shkruani çdo vendim në rreshtin e vet, deri në 1000 shkronja.',
    } as Record<string, string>,
    codes: {
      outside_consent: 'Pëlqimi i personit nuk e përfshin këtë organizatë.',
      does_not_provide: 'Kjo organizatë nuk e jep këtë shërbim.',
    } as Record<string, string>,
  },
} satisfies Messages<unknown>;

/** Where a caller's task list is: council members have their action items, the others their tasks. */
const listPathOf = (role: Role) => (role === 'council' ? '/console/action-items' : '/console/tasks');

const taskPath = (taskId: string) => `/console/tasks/${encodeURIComponent(taskId)}`;

/** The task's name in plain words: its kind, with a plan item's service or an action item's title. */
function taskName(lang: Lang, view: Pick<TaskView, 'kind' | 'service' | 'title'>): string {
  const kind = TASK_TITLES[lang][view.kind];
  if (view.service) return `${kind}: ${CHOICES[lang][view.service] ?? view.service}`;
  return view.title ? `${kind}: ${view.title}` : kind;
}

/** When it is due: an offer lapses at its expiry, every other task is due at its due instant. */
const dueOf = (view: TaskView) => view.expiresAt ?? view.dueAt;

/** A list page's own address with `changes` to its query (undefined removes a parameter). */
function listHref(base: string, query: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/** The confirmation after a task was done (`?done=<taskId>`): what was recorded, in words. */
async function doneNotice(
  deps: ConsoleDeps,
  ctx: MemberContext,
  taskId: string | undefined,
): Promise<string> {
  if (!taskId) return '';
  let view: TaskView;
  try {
    view = await getTask(deps.tasks, ctx.caller, { taskId });
  } catch (error) {
    if (error instanceof NotFoundError) return '';
    throw error;
  }
  if (view.status === 'OPEN') return '';
  const f = FORM[ctx.lang];
  const text = view.meetingId
    ? f.meetingRecorded(view.reference)
    : view.kind !== 'OFFER'
      ? f.recorded(view.reference)
      : view.result === 'accept'
        ? f.accepted(view.reference)
        : f.declined(view.reference);
  return `<div class="notice" role="status"><p><strong>${esc(W[ctx.lang].done)}</strong> ${esc(taskName(ctx.lang, view))}. ${esc(text)}</p></div>`;
}

/** The open tasks in three groups (overdue, due soon, later), or the closed ones; a page at a time. */
async function listPage(
  deps: ConsoleDeps,
  ctx: MemberContext,
  base: string,
  title: string,
  lead: string,
): Promise<ConsoleResult> {
  const w = W[ctx.lang];
  const q = ctx.req.query;
  const closed = q.status === 'done';
  const mine = q.mine === 'true';
  const result = await listTasks(deps.tasks, ctx.caller, {
    status: closed ? 'done' : 'open',
    limit: PAGE_SIZE,
    ...(mine ? { mine: 'true' } : {}),
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  const keep = { status: closed ? 'done' : undefined, mine: mine ? 'true' : undefined };
  const when = (iso: string) => esc(formatDateTime(iso, ctx.lang, ctx.timeZone));
  const nameCell = (view: TaskView) =>
    view.status === 'OPEN'
      ? link(taskPath(view.taskId), taskName(ctx.lang, view))
      : esc(taskName(ctx.lang, view));
  const parts: string[] = [
    await doneNotice(deps, ctx, q.done),
    `<p class="lead">${esc(closed ? w.closedLead : lead)}</p>`,
  ];
  parts.push(
    '<ul class="plain actions">',
    `<li>${mine ? link(listHref(base, { ...keep, mine: undefined }), w.all) : `<strong>${esc(w.all)}</strong>`}</li>`,
    `<li>${mine ? `<strong>${esc(w.mine)}</strong>` : link(listHref(base, { ...keep, mine: 'true' }), w.mine)}</li>`,
    `<li>${link(listHref(base, { ...keep, status: closed ? undefined : 'done' }), closed ? w.showOpen : w.showClosed)}</li>`,
    '</ul>',
  );
  if (closed) {
    parts.push(
      table({
        caption: w.closedTasks,
        head: w.closedHead,
        rows: result.items.map((v) => [
          nameCell(v),
          esc(v.reference),
          when(dueOf(v)),
          esc(w.statuses[v.status]),
          v.completedAt ? when(v.completedAt) : esc(COMMON[ctx.lang].none),
        ]),
        empty: w.noClosed,
      }),
    );
  } else {
    const now = ctx.now.getTime();
    const groups: { key: 'overdue' | 'dueSoon' | 'later'; items: TaskView[] }[] = [
      { key: 'overdue', items: [] },
      { key: 'dueSoon', items: [] },
      { key: 'later', items: [] },
    ];
    for (const view of result.items) {
      const due = Date.parse(dueOf(view));
      const group = view.overdue || due < now ? 0 : due - now <= DUE_SOON_MS ? 1 : 2;
      groups[group]?.items.push(view);
    }
    const tagOf = (key: string) =>
      key === 'overdue'
        ? tag(w.tagOverdue, 'bad')
        : key === 'dueSoon'
          ? tag(w.tagSoon, 'warn')
          : tag(w.later);
    for (const g of groups) {
      if (g.items.length === 0) continue;
      parts.push(
        `<h2>${esc(w[g.key])} (${g.items.length})</h2>`,
        table({
          caption: w[g.key],
          head: w.head,
          rows: g.items.map((v) => [nameCell(v), esc(v.reference), when(dueOf(v)), tagOf(g.key)]),
          empty: w.noOpen,
        }),
      );
    }
    if (result.items.length === 0) parts.push(`<p>${esc(w.noOpen)}</p>`);
  }
  if (result.nextCursor || q.cursor) {
    parts.push(
      '<p class="actions">',
      q.cursor ? link(listHref(base, keep), w.firstPage) : '',
      result.nextCursor ? link(listHref(base, { ...keep, cursor: result.nextCursor }), w.nextPage) : '',
      '</p>',
    );
  }
  return page(closed ? w.closedTasks : title, parts.join('\n'));
}

/** The form's field an issue names (`/items/0/orgId` → `items`). */
const fieldOf = (issue: FieldIssue) => issue.path.replace(/^\//, '').split('/')[0] || 'form';

/**
 * One task: what it is for (the emailed page's words, an offer's decision facts and never an
 * identity) and its kind's form, posting here. After an invalid answer: the form again, the
 * fields marked with their errors, a summary at the top, what was sent filled in (status 400).
 */
async function taskPage(
  deps: ConsoleDeps,
  ctx: MemberContext,
  taskId: string,
  invalid?: { readonly issues: readonly FieldIssue[]; readonly form: URLSearchParams },
): Promise<ConsoleResult> {
  const view = await getTask(deps.tasks, ctx.caller, { taskId });
  if (view.status !== 'OPEN')
    throw new GoneError('the task was done already or can no longer be done', 'task_gone');
  const record = await deps.store.getTask(view.taskId);
  const due = dueOf(view);
  const found = record && (await taskSummary({ ...deps.tasks, store: deps.store }, record, due));
  if (!found) throw new NotFoundError('no such task');
  const lang = ctx.lang;
  const summary = { ...found, language: lang };
  const w = W[lang];
  const f = FORM[lang];
  const offer = view.kind === 'OFFER';
  const meeting = summary.subject === 'meeting';
  const dueText = formatDateTime(due, lang, ctx.timeZone);
  const form = taskForm(summary, ctx.timeZone, {
    action: taskPath(view.taskId),
    hidden: csrfField(ctx.csrf),
    attrs: 'novalidate',
  });
  let body = form;
  let summaryBox = '';
  if (invalid) {
    const keys = [...new Set(invalid.issues.map(fieldOf))];
    const messages = new Map<string, string>();
    for (const issue of invalid.issues) {
      const key = fieldOf(issue);
      if (messages.has(key)) continue;
      messages.set(key, w.codes[issue.code] ?? w.fieldErrors[key] ?? w.fieldErrors.form ?? '');
    }
    // A plan's items are the form's `item.<service>` choices.
    const itemsMessage = messages.get('items');
    if (itemsMessage !== undefined) messages.set('item', itemsMessage);
    const marked = markInvalid(refill(form, invalid.form), [...keys, ...(itemsMessage ? ['item'] : [])], {
      messages,
    });
    body = marked.html;
    summaryBox = errorSummary(
      COMMON[lang].errorSummary,
      keys.map((key) => {
        const target = marked.targets.get(key) ?? (key === 'items' ? marked.targets.get('item') : undefined);
        return { href: `#${target ?? 'answer'}`, text: messages.get(key) ?? '' };
      }),
    );
  }
  const intro = meeting
    ? f.meetingIntro(summary.reference, summary.orgName)
    : offer
      ? f.intro(summary.reference, summary.orgName)
      : f.taskIntro(summary.reference, summary.orgName);
  const listPath = listPathOf(ctx.caller.role);
  const parts = [
    summaryBox,
    `<p class="lead">${esc(intro)}</p>`,
    summary.title ? `<p><strong>${esc(summary.title)}</strong></p>` : '',
    view.service ? facts([[w.service, CHOICES[lang][view.service] ?? view.service]]) : '',
    summary.offer
      ? offerFacts(lang, summary.offer, dueText)
      : `<p>${esc(f.due(dueText))}${view.overdue ? ` ${tag(w.tagOverdue, 'bad')}` : ''}</p>`,
    `<h2 id="answer">${esc(w.answer)}</h2>`,
    body,
    `<p>${link(listPath, listPath === '/console/action-items' ? w.backActions : w.back)}</p>`,
  ];
  return page(
    offer ? f.title : TASK_TITLES[lang][view.kind],
    parts.filter(Boolean).join('\n'),
    invalid ? 400 : 200,
  );
}

/** The form as sent, less the console's CSRF field: the fields `outcomeFromForm` reads. */
function answerFields(form: URLSearchParams): URLSearchParams {
  return new URLSearchParams([...form].filter(([name]) => name !== '_csrf'));
}

async function complete(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const taskId = ctx.req.params.taskId ?? '';
  const fields = answerFields(ctx.req.form);
  // The emailed link's reading of a form: the same outcome object the JSON body carries.
  const raw = outcomeFromForm(fields);
  try {
    await submitCompletion(deps.tasks, ctx.caller, { taskId }, () => raw ?? null);
  } catch (error) {
    if (error instanceof ValidationError) {
      // A field given twice that may not repeat: the form as a whole is not an answer.
      const issues = raw ? error.issues : [{ path: '/form', code: 'invalid' }];
      return taskPage(deps, ctx, taskId, { issues, form: fields });
    }
    // Answered already (here, through the API or by its link): the same single use as the link's 410.
    if (error instanceof ConflictError && error.code === 'task_closed') {
      throw new GoneError('the task was answered already', 'task_closed');
    }
    throw error;
  }
  return redirect(`${listPathOf(ctx.caller.role)}?done=${encodeURIComponent(taskId)}`);
}

export function taskRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/tasks', LIST_ROLES, (ctx) =>
      listPage(deps, ctx, '/console/tasks', W[ctx.lang].tasks, W[ctx.lang].tasksLead),
    ),
    memberRoute('GET', '/console/action-items', ['council'], (ctx) =>
      listPage(deps, ctx, '/console/action-items', W[ctx.lang].actionItems, W[ctx.lang].actionItemsLead),
    ),
    memberRoute('GET', '/console/tasks/{taskId}', TASK_ROLES, (ctx) =>
      taskPage(deps, ctx, ctx.req.params.taskId ?? ''),
    ),
    memberRoute('POST', '/console/tasks/{taskId}', TASK_ROLES, (ctx) => complete(deps, ctx)),
  ];
}
