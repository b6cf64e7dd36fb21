import {
  type ConsoleResult,
  type ConsoleRoute,
  type MemberContext,
  memberRoute,
  page,
} from '../../../shared/console/app';
import { esc, link, postForm, table, tag } from '../../../shared/console/html';
import { formatDateTime, formatDay, type Lang } from '../../../shared/console/i18n';
import type { Role } from '../../../shared/domain/codes';
import { dueAt } from '../../../shared/domain/deadlines';
import { calendarInvite } from '../../../shared/email/invite';
import { meetingUid } from '../../../shared/email/meeting-emails';
import { TASK_TITLES } from '../../../shared/email/templates';
import {
  getMeeting,
  listMeetings,
  type MeetingDetail,
  type MeetingView,
} from '../../../shared/meetings/meetings';
import type { ConsoleDeps } from '../deps';
import { cancel, minutesPage, newMeeting } from './meeting-forms';
import {
  meetingPath,
  orgNames,
  ROLE_WORDS,
  regionOf,
  statusOf,
  statusTag,
  T,
  whenText,
} from './meeting-words';

/**
 * The cooperation group's meetings (docs/meetings.md), for the region's coordinators and the
 * council members a meeting invites: the list, a meeting with its agenda, review and minutes,
 * its calendar file, and the coordinator's forms (a new meeting, the cancellation, the
 * minutes). Every read and write goes through the meetings use cases, which decide who sees
 * what: a member not invited gets 404 as from the API, answers are the coordinator's only.
 * The forms are in meeting-forms.ts; the words and the small helpers in meeting-words.ts.
 */

const READERS: readonly Role[] = ['coordinator', 'council'];
const COORDINATORS: readonly Role[] = ['coordinator'];

// --- the list ---------------------------------------------------------------------------------

/** How far back the list looks for past meetings. */
const PAST_DAYS = 366;
/** At most this many pages of 100 meetings are read for one list. */
const LIST_PAGES = 5;

async function listPage(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const region = regionOf(ctx);
  const from = new Date(ctx.now.getTime() - PAST_DAYS * 86_400_000).toISOString();
  const all: MeetingView[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const got = await listMeetings(deps.meetings, ctx.caller, {
      region,
      from,
      limit: '100',
      ...(cursor ? { cursor } : {}),
    });
    all.push(...got.items);
    cursor = got.nextCursor;
    pages += 1;
  } while (cursor && pages < LIST_PAGES);
  const now = ctx.now.getTime();
  const upcoming = all.filter((m) => Date.parse(m.end) > now);
  const past = all.filter((m) => Date.parse(m.end) <= now).reverse();
  const row = (m: MeetingView) => [
    esc(whenText(m, ctx.lang, ctx.timeZone)),
    link(meetingPath(m.meetingId), m.title),
    [m.place ? esc(m.place) : '', m.videoUrl ? link(m.videoUrl, t.video) : ''].filter(Boolean).join('<br>') ||
      esc('—'),
    statusTag(ctx.lang, statusOf(m, ctx.now)),
  ];
  const head = [t.colWhen, t.colTitle, t.colWhere, t.colStatus];
  const others = ctx.caller.regions.filter((r) => r !== region);
  const body = [
    `<p class="lead">${esc(t.listLead)}</p>`,
    ctx.caller.regions.length > 1 ? `<p>${esc(t.regionIs(region))}</p>` : '',
    others.length
      ? `<p>${esc(t.otherRegions)}: ${others.map((r) => link(`/console/meetings?region=${encodeURIComponent(r)}`, r)).join(', ')}</p>`
      : '',
    ctx.caller.role === 'coordinator'
      ? `<p><a class="button" href="/console/meetings/new?region=${esc(encodeURIComponent(region))}">${esc(t.newMeeting)}</a></p>`
      : '',
    `<h2>${esc(t.upcoming)}</h2>`,
    table({ caption: t.upcoming, head, rows: upcoming.map(row), empty: t.noUpcoming }),
    `<h2>${esc(t.past)}</h2>`,
    table({ caption: t.past, head, rows: past.map(row), empty: t.noPast }),
  ];
  return page(t.listTitle, body.join(''));
}

// --- one meeting ------------------------------------------------------------------------------

/** The due day of an action item: the day given, else its kind's deadline from the recording. */
function actionDue(
  deps: ConsoleDeps,
  action: { kind: 'ACTION_ITEM' | 'PREVENTION'; dueDate?: string | undefined },
  recordedAt: string,
  lang: Lang,
): string {
  if (action.dueDate) return formatDay(`${action.dueDate}T12:00:00Z`, lang, 'UTC');
  const clock = deps.meetings.complete;
  const due = dueAt(clock.deadlines[action.kind], new Date(recordedAt), clock.calendar);
  return formatDay(due, lang, clock.calendar.timeZone);
}

async function meetingPage(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const m: MeetingDetail = await getMeeting(deps.meetings, ctx.caller, ctx.req.params);
  const coordinator = ctx.caller.role === 'coordinator';
  const status = statusOf(m, ctx.now);
  const actions = m.minutes?.decisions.flatMap((d) => d.actions) ?? [];
  const names = await orgNames(deps, [
    ...m.attendees.map((a) => a.orgId),
    ...actions.flatMap((a) => (a.orgId ? [a.orgId] : [])),
    ...m.history.flatMap((e) => (e.actor.orgId ? [e.actor.orgId] : [])),
  ]);
  const orgName = (id: string) => names.get(id) ?? id;
  const notice = { created: t.created, cancelled: t.cancelledNotice, minutes: t.minutesNotice }[
    ctx.req.query.done as 'created' | 'cancelled' | 'minutes'
  ];
  const factRows: [string, string][] = [
    [t.when, esc(whenText(m, ctx.lang, ctx.timeZone))],
    ...(m.place ? [[t.place, esc(m.place)] as [string, string]] : []),
    ...(m.videoUrl ? [[t.videoLink, link(m.videoUrl, m.videoUrl)] as [string, string]] : []),
    [t.organizer, esc(`${m.organizer.name}, ${orgName(m.organizer.orgId)}`)],
    [t.statusLabel, statusTag(ctx.lang, status)],
  ];
  const out: string[] = [
    notice ? `<div class="notice" role="status"><p>${esc(notice)}</p></div>` : '',
    `<dl class="facts">${factRows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`,
    `<p class="hint">${esc(t.yourClock(ctx.timeZone))}</p>`,
    m.seriesId !== undefined ? `<p class="muted">${esc(t.series(m.occurrence ?? 0))}</p>` : '',
    `<p>${link(`${meetingPath(m.meetingId)}/invite.ics`, m.status === 'CANCELLED' ? t.downloadCancel : t.download)}</p>`,
  ];

  out.push(`<h2>${esc(t.agenda)}</h2>`);
  out.push(
    m.agenda.length
      ? `<ol>${m.agenda.map((a) => `<li>${esc(a)}</li>`).join('')}</ol>`
      : `<p class="muted">${esc(t.noAgenda)}</p>`,
  );

  out.push(`<h2>${esc(t.review)}</h2>`);
  out.push(
    table({
      caption: t.reviewCaption,
      head: [t.colOrg, t.colKind, t.colNotDone, t.colNotPossible, t.colReasons],
      num: [2, 3],
      rows: m.review.map((r) => [
        esc(r.orgName),
        esc(TASK_TITLES[ctx.lang][r.kind]),
        esc(String(r.notDone)),
        esc(String(r.notPossible)),
        r.reasons.length
          ? `<ul class="plain">${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}${
              r.moreReasons ? `<li class="muted">${esc(t.moreReasons(r.moreReasons))}</li>` : ''
            }</ul>`
          : esc('—'),
      ]),
      empty: t.reviewNone,
    }),
  );

  out.push(`<h2>${esc(t.carried)}</h2>`);
  out.push(
    table({
      caption: t.carriedCaption,
      head: [t.colItem, t.colOrg, t.colFrom, t.colDue],
      rows: m.carriedOver.map((c) => [
        esc(c.title),
        esc(c.orgName),
        link(meetingPath(c.fromMeetingId), c.fromMeeting),
        `${esc(formatDay(c.dueAt, ctx.lang, ctx.timeZone))}${c.overdue ? ` ${tag(t.overdue, 'bad')}` : ''}`,
      ]),
      empty: t.carriedNone,
    }),
  );

  if (m.minutes) {
    const minutes = m.minutes;
    const mine = (a: { orgId?: string | undefined; email?: string | undefined }) =>
      a.orgId === ctx.caller.orgId ||
      (a.email !== undefined && a.email.toLowerCase() === ctx.caller.email?.toLowerCase());
    out.push(`<h2>${esc(t.minutes)}</h2>`);
    out.push(`<h3>${esc(t.summary)}</h3>`);
    out.push(
      minutes.summary
        .split(/\r?\n/)
        .filter((p) => p.trim())
        .map((p) => `<p>${esc(p)}</p>`)
        .join(''),
    );
    out.push(`<h3>${esc(t.decisions)}</h3>`);
    out.push(
      minutes.decisions.length
        ? `<ol>${minutes.decisions
            .map(
              (d) =>
                `<li><p>${esc(d.text)}</p>${
                  d.actions.length
                    ? `<ul>${d.actions
                        .map(
                          (a) =>
                            `<li>${esc(
                              t.actionLine(
                                a.title,
                                a.orgId ? orgName(a.orgId) : (a.email ?? '—'),
                                actionDue(deps, a, minutes.recordedAt, ctx.lang),
                              ),
                            )}${a.kind === 'PREVENTION' ? ` ${tag(t.kinds.PREVENTION)}` : ''}</li>`,
                        )
                        .join('')}</ul>`
                    : ''
                }</li>`,
            )
            .join('')}</ol>`
        : `<p class="muted">${esc(t.noDecisions)}</p>`,
    );
    out.push(
      `<p class="muted">${esc(t.recordedAt(formatDateTime(minutes.recordedAt, ctx.lang, ctx.timeZone)))}</p>`,
    );
    if (ctx.caller.role === 'council' && actions.some(mine))
      out.push(`<p>${link('/console/action-items', t.ownItems)}</p>`);
  }

  out.push(`<h2>${esc(t.invitees)}</h2>`);
  out.push(
    table({
      caption: t.inviteesCaption,
      head: coordinator ? [t.colName, t.colOrg, t.colAnswer] : [t.colName, t.colOrg],
      rows: m.attendees.map((a) => [
        esc(a.name),
        esc(orgName(a.orgId)),
        ...(coordinator
          ? [
              a.answer
                ? tag(
                    t.answers[a.answer],
                    a.answer === 'accepted' ? 'ok' : a.answer === 'declined' ? 'bad' : 'warn',
                  )
                : `<span class="muted">${esc(t.noAnswer)}</span>`,
            ]
          : []),
      ]),
      empty: '—',
    }),
  );

  if (coordinator) {
    if (m.status === 'SCHEDULED' && !m.minutes && Date.parse(m.end) <= ctx.now.getTime() && m.minutesTaskId)
      out.push(
        `<p><a class="button" href="${esc(`${meetingPath(m.meetingId)}/minutes`)}">${esc(t.recordMinutes)}</a></p>`,
      );
    else if (m.status === 'SCHEDULED' && !m.minutes && Date.parse(m.end) > ctx.now.getTime())
      out.push(`<p class="muted">${esc(t.minutesLater)}</p>`);
    if (m.status === 'SCHEDULED' && Date.parse(m.start) > ctx.now.getTime()) {
      out.push(`<h2>${esc(t.cancelHeading)}</h2>`);
      out.push(
        postForm(
          `${meetingPath(m.meetingId)}/cancellation`,
          ctx.csrf,
          [
            `<p>${esc(t.cancelText)}</p>`,
            `<input type="hidden" name="version" value="${esc(String(m.version))}">`,
            m.seriesId !== undefined
              ? `<p class="choice"><input type="checkbox" id="series" name="series" value="true"> <label for="series">${esc(t.cancelSeries)}</label></p>`
              : '',
            `<button type="submit">${esc(t.cancelButton)}</button>`,
          ].join(''),
        ),
      );
    }
    out.push(`<h2>${esc(t.history)}</h2>`);
    out.push(
      m.history.length
        ? `<ol class="timeline">${m.history
            .map((e) => {
              const role =
                e.actor.role in ROLE_WORDS[ctx.lang] ? ROLE_WORDS[ctx.lang][e.actor.role] : e.actor.role;
              return `<li><time datetime="${esc(e.at)}">${esc(formatDateTime(e.at, ctx.lang, ctx.timeZone))}</time>${esc(
                `${t.events[e.type] ?? e.type} ${t.by(role ?? '', e.actor.orgId ? orgName(e.actor.orgId) : '')}`,
              )}${e.fields?.length ? `<br><span class="muted">${esc(t.fieldsChanged(e.fields.join(', ')))}</span>` : ''}</li>`;
            })
            .join('')}</ol>`
        : `<p class="muted">${esc(t.historyNone)}</p>`,
    );
  }
  out.push(`<p>${link('/console/meetings', t.back)}</p>`);
  return page(m.title, out.join(''));
}

/**
 * The meeting as a calendar file, built by the invitation emails' own calendarInvite with the
 * same UID, SEQUENCE, times, text and people as the invitation (shared/email/meeting-emails.ts),
 * without the answer links: those are single-use and only in each invitee's mail. A cancelled
 * meeting downloads as its CANCEL.
 */
async function inviteFile(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const m = await getMeeting(deps.meetings, ctx.caller, ctx.req.params);
  const method = m.status === 'CANCELLED' ? 'CANCEL' : 'REQUEST';
  const me = m.attendees.filter((a) => a.email.toLowerCase() === ctx.caller.email?.toLowerCase());
  // The downloading member first when invited; everyone on the invitation, as the mail names them.
  const attendees = [...me, ...m.attendees.filter((a) => !me.includes(a))];
  const ics = calendarInvite({
    method,
    uid: meetingUid(m.meetingId, deps.meetings.uidDomain),
    sequence: m.sequence,
    dtstamp: ctx.now,
    start: new Date(m.start),
    end: new Date(m.end),
    summary: m.title,
    description: m.agenda.map((a) => `- ${a}`).join('\n') || m.title,
    ...(m.place ? { location: m.place } : {}),
    ...(m.videoUrl ? { url: m.videoUrl } : {}),
    organizer: { name: m.organizer.name, email: m.organizer.email },
    attendees: attendees.map((a) => ({ name: a.name, email: a.email })),
  });
  return {
    kind: 'file',
    contentType: `text/calendar; charset=utf-8; method=${method}`,
    filename: 'invite.ics',
    body: ics,
  };
}

// --- the routes -------------------------------------------------------------------------------

/** The council pages: the group's meetings, for coordinators and council members. */
export function councilRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/meetings', READERS, (ctx) => listPage(deps, ctx)),
    // Before `{meetingId}`: the first route whose path matches is taken.
    memberRoute('GET', '/console/meetings/new', COORDINATORS, (ctx) => newMeeting(deps, ctx)),
    memberRoute('POST', '/console/meetings/new', COORDINATORS, (ctx) => newMeeting(deps, ctx)),
    memberRoute('GET', '/console/meetings/{meetingId}', READERS, (ctx) => meetingPage(deps, ctx)),
    memberRoute('GET', '/console/meetings/{meetingId}/invite.ics', READERS, (ctx) => inviteFile(deps, ctx)),
    memberRoute('POST', '/console/meetings/{meetingId}/cancellation', COORDINATORS, (ctx) =>
      cancel(deps, ctx),
    ),
    memberRoute('GET', '/console/meetings/{meetingId}/minutes', COORDINATORS, (ctx) =>
      minutesPage(deps, ctx),
    ),
    memberRoute('POST', '/console/meetings/{meetingId}/minutes', COORDINATORS, (ctx) =>
      minutesPage(deps, ctx),
    ),
  ];
}
