import { type ConsoleRoute, memberRoute, page } from '../../../shared/console/app';
import { esc, link, table, tag } from '../../../shared/console/html';
import { formatDateTime, type Messages } from '../../../shared/console/i18n';
import { VOCABULARY } from '../../../shared/console/vocabulary';
import { caseAuditTrail } from '../../read-cases/audit-trail';
import { getCase } from '../../read-cases/read-cases';
import type { ConsoleDeps } from '../deps';
import { orgNames } from './cases';

/**
 * A case's audit trail for its region's coordinators (docs/access.md, "The audit trail"): who
 * read or changed the case and its tasks, and who was refused, newest first, 25 to a page. The
 * same use case as `GET /cases/{caseId}/audit`; opening it is recorded too.
 */
const WORDS = {
  en: {
    title: (ref: string) => `Audit trail of case ${ref}`,
    lead: 'Every look at this case and every change to it, refused attempts too, newest first. Records are never changed or removed.',
    caption: 'Audit records, newest first',
    when: 'When',
    who: 'Who',
    through: 'Through',
    what: 'What',
    result: 'Result',
    none: 'No records yet.',
    older: 'Older records',
    newest: 'Back to the newest',
    back: 'Back to the case',
    channels: { api: 'API', console: 'Console', link: 'Emailed link', workflow: 'Workflow' },
    results: { allowed: 'Allowed', denied: 'Denied', refused: 'Refused', failed: 'Failed' },
    link: 'Holder of the emailed link',
    system: 'The system',
    unknown: 'Unknown caller',
  },
  sq: {
    title: (ref: string) => `Gjurma e auditimit të rastit ${ref}`,
    lead: 'Çdo shikim i këtij rasti dhe çdo ndryshim në të, edhe përpjekjet e refuzuara, më të rejat në krye. Regjistrimet nuk ndryshohen e nuk fshihen kurrë.',
    caption: 'Regjistrimet e auditimit, më të rejat në krye',
    when: 'Kur',
    who: 'Kush',
    through: 'Përmes',
    what: 'Çfarë',
    result: 'Rezultati',
    none: 'Ende nuk ka regjistrime.',
    older: 'Regjistrime më të vjetra',
    newest: 'Kthehu te më të rejat',
    back: 'Kthehu te rasti',
    channels: { api: 'API', console: 'Konsola', link: 'Lidhja me email', workflow: 'Rrjedha e punës' },
    results: { allowed: 'Lejuar', denied: 'Ndaluar', refused: 'Refuzuar', failed: 'Dështoi' },
    link: 'Mbajtësi i lidhjes me email',
    system: 'Sistemi',
    unknown: 'Thirrës i panjohur',
  },
} satisfies Messages<unknown>;

const TONE = { allowed: 'ok', denied: 'bad', refused: 'warn', failed: 'bad' } as const;

export function auditRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/cases/{caseId}/audit', ['coordinator'], async (ctx) => {
      const params = { caseId: ctx.req.params.caseId };
      const cursor = ctx.req.query.cursor || undefined;
      const [view, trail] = await Promise.all([
        getCase(deps.cases, ctx.caller, params),
        caseAuditTrail(deps.cases, ctx.caller, params, cursor ? { cursor } : {}),
      ]);
      const t = WORDS[ctx.lang];
      const roles = VOCABULARY[ctx.lang].roles;
      const names = await orgNames(
        deps,
        trail.items.map((e) => e.actor.orgId),
      );
      const who = (e: (typeof trail.items)[number]) => {
        const org = e.actor.orgId ? (names.get(e.actor.orgId) ?? e.actor.orgId) : '';
        const role =
          e.actor.kind === 'member' && e.actor.role
            ? roles[e.actor.role]
            : e.actor.kind === 'link'
              ? t.link
              : e.actor.kind === 'system'
                ? t.system
                : t.unknown;
        return esc(org ? `${role}, ${org}` : role);
      };
      const self = `/console/cases/${encodeURIComponent(view.caseId)}/audit`;
      const body = [
        `<p class="lead">${esc(t.lead)}</p>`,
        table({
          caption: t.caption,
          head: [t.when, t.who, t.through, t.what, t.result],
          rows: trail.items.map((e) => [
            `<time datetime="${esc(e.at)}">${esc(formatDateTime(e.at, ctx.lang, ctx.timeZone))}</time>`,
            who(e),
            esc(t.channels[e.channel]),
            `<code>${esc(e.action)}</code>`,
            `${tag(t.results[e.result], TONE[e.result])}${e.status !== undefined ? ` <span class="muted">${e.status}</span>` : ''}`,
          ]),
          empty: t.none,
        }),
        '<p class="actions">',
        trail.nextCursor
          ? `<a href="${esc(`${self}?cursor=${encodeURIComponent(trail.nextCursor)}`)}" rel="next">${esc(t.older)}</a> `
          : '',
        cursor ? `${link(self, t.newest)} ` : '',
        link(`/console/cases/${encodeURIComponent(view.caseId)}`, t.back),
        '</p>',
      ].join('');
      return page(t.title(view.reference), body);
    }),
  ];
}
