import type { MemberCaller } from '../../../shared/auth/caller';
import { type ConsoleRoute, memberRoute, page } from '../../../shared/console/app';
import { esc, facts, link, table, tag } from '../../../shared/console/html';
import { COMMON, formatDateTime, type Lang, type Messages } from '../../../shared/console/i18n';
import { VOCABULARY } from '../../../shared/console/vocabulary';
import type { Role } from '../../../shared/domain/codes';
import type { Contact } from '../../../shared/domain/directory';
import { isActive } from '../../../shared/domain/directory';
import {
  DIRECTORY_ADMINS,
  getOrganisation,
  listOrganisations,
  type OrganisationView,
  organisationHistory,
} from '../../directory-api/directory-api';
import type { ConsoleDeps } from '../deps';

/**
 * The directory pages (issue 11): the organisations a coordinator (their regions) or an admin
 * (all) may see through the directory use cases, their contacts, and each one's change
 * history. Read-only in this slice: changes go through the directory API or the CLI. Contacts
 * are staff of the group's organisations, so their addresses are shown.
 */

const T = {
  en: {
    title: 'Directory',
    lead: 'The organisations of the cooperation group, their regions and their contacts.',
    readOnly:
      'This page only shows the directory. Changes are made through the directory API, or from a file with:',
    caption: 'Organisations',
    name: 'Organisation',
    kind: 'Kind',
    regions: 'Regions',
    state: 'Status',
    contacts: 'Contacts',
    active: 'Active',
    inactive: 'Deactivated',
    noContacts: 'No contacts',
    empty: 'No organisation to show.',
    cut: (n: number) => `Only the first ${n} organisations are shown.`,
    languages: { sq: 'Albanian', en: 'English' },
    back: 'Back to the directory',
    orgFacts: 'The organisation',
    department: 'Department',
    services: 'Services',
    capacity: 'Open offers it can hold',
    openOffers: 'Offers waiting for its answer now',
    childProtection: 'Works with children',
    version: 'Version',
    contactsCaption: 'Contacts',
    contactName: 'Name',
    email: 'Email',
    roles: 'Roles',
    language: 'Language',
    timeZone: 'Time zone',
    contactState: 'Status',
    unreachable: 'Mail does not arrive',
    away: (from: string, to: string, deputy: string) => `Away ${from} – ${to}; deputy ${deputy}`,
    historyTitle: 'Change history',
    noHistory: 'No change recorded since the organisation was loaded into the directory.',
    events: {
      ORG_CREATED: 'Added to the directory',
      ORG_CHANGED: 'Changed',
      ORG_DEACTIVATED: 'Deactivated',
      ORG_REACTIVATED: 'Reactivated',
    },
    by: (who: string) => `by ${who}`,
    fields: 'Fields changed:',
    ops: 'operations (directory file)',
  },
  sq: {
    title: 'Drejtoria',
    lead: 'Organizatat e grupit të bashkëpunimit, rajonet dhe kontaktet e tyre.',
    readOnly:
      'Kjo faqe vetëm e tregon drejtorinë. Ndryshimet bëhen nëpërmjet API-së së drejtorisë, ose nga një skedar me:',
    caption: 'Organizatat',
    name: 'Organizata',
    kind: 'Lloji',
    regions: 'Rajonet',
    state: 'Statusi',
    contacts: 'Kontaktet',
    active: 'Aktive',
    inactive: 'Çaktivizuar',
    noContacts: 'Pa kontakte',
    empty: 'Nuk ka organizata për të treguar.',
    cut: (n: number) => `Tregohen vetëm ${n} organizatat e para.`,
    languages: { sq: 'Shqip', en: 'Anglisht' },
    back: 'Kthehu te drejtoria',
    orgFacts: 'Organizata',
    department: 'Drejtoria',
    services: 'Shërbimet',
    capacity: 'Oferta të hapura që mund të mbajë',
    openOffers: 'Oferta që presin përgjigjen e saj tani',
    childProtection: 'Punon me fëmijë',
    version: 'Versioni',
    contactsCaption: 'Kontaktet',
    contactName: 'Emri',
    email: 'Email',
    roles: 'Rolet',
    language: 'Gjuha',
    timeZone: 'Zona kohore',
    contactState: 'Statusi',
    unreachable: 'Posta nuk arrin',
    away: (from: string, to: string, deputy: string) => `Mungon ${from} – ${to}; zëvendës ${deputy}`,
    historyTitle: 'Historiku i ndryshimeve',
    noHistory: 'Asnjë ndryshim i regjistruar që kur organizata u ngarkua në drejtori.',
    events: {
      ORG_CREATED: 'U shtua në drejtori',
      ORG_CHANGED: 'U ndryshua',
      ORG_DEACTIVATED: 'U çaktivizua',
      ORG_REACTIVATED: 'U riaktivizua',
    },
    by: (who: string) => `nga ${who}`,
    fields: 'Fushat e ndryshuara:',
    ops: 'operacionet (skedari i drejtorisë)',
  },
} satisfies Messages<unknown>;

/** Pages of 100 read for one list at most. */
const MAX_ORG_PAGES = 20;

/** Every organisation the directory use case lists for `query` (it pages by 100). */
export async function allOrganisations(
  deps: ConsoleDeps,
  caller: MemberCaller,
  query: Record<string, string>,
): Promise<{ items: OrganisationView[]; cut: boolean }> {
  const items: OrganisationView[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_ORG_PAGES; i++) {
    const page = await listOrganisations(deps.directoryAdmin, caller, {
      ...query,
      limit: '100',
      ...(cursor ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return { items, cut: false };
  }
  return { items, cut: true };
}

const COMMAND = 'npm run directory -- import <file.json>';

function readOnlyNote(lang: Lang): string {
  return `<p class="notice">${esc(T[lang].readOnly)} <code>${esc(COMMAND)}</code></p>`;
}

const stateTag = (lang: Lang, entry: { readonly active?: boolean | undefined }) =>
  isActive(entry) ? tag(T[lang].active, 'ok') : tag(T[lang].inactive, 'bad');

function contactLine(lang: Lang, c: Contact): string {
  const t = T[lang];
  const roles = c.roles.map((r) => VOCABULARY[lang].contactRoles[r]).join(', ');
  return (
    `<li>${esc(c.name)} — ${esc(roles)} · ${esc(t.languages[c.language])} · ` +
    `<a href="mailto:${esc(c.email)}">${esc(c.email)}</a>${isActive(c) ? '' : ` ${tag(t.inactive, 'bad')}`}</li>`
  );
}

function listPage(lang: Lang, orgs: readonly OrganisationView[], cut: boolean) {
  const t = T[lang];
  const body = [
    `<p class="lead">${esc(t.lead)}</p>`,
    readOnlyNote(lang),
    cut ? `<p class="notice">${esc(t.cut(orgs.length))}</p>` : '',
    table({
      caption: t.caption,
      head: [t.name, t.kind, t.regions, t.state, t.contacts],
      rows: orgs.map((o) => [
        link(`/console/directory/${encodeURIComponent(o.orgId)}`, o.name),
        esc(VOCABULARY[lang].orgKinds[o.kind]),
        esc(o.regions.join(', ')),
        stateTag(lang, o),
        o.contacts.length
          ? `<ul class="plain">${o.contacts.map((c) => contactLine(lang, c)).join('')}</ul>`
          : `<span class="muted">${esc(t.noContacts)}</span>`,
      ]),
      empty: t.empty,
    }),
  ].join('');
  return page(t.title, body);
}

export function directoryRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/directory', DIRECTORY_ADMINS, async (ctx) => {
      const { items, cut } = await allOrganisations(deps, ctx.caller, { includeInactive: 'true' });
      return listPage(ctx.lang, items, cut);
    }),
    memberRoute('GET', '/console/directory/{orgId}', DIRECTORY_ADMINS, async (ctx) => {
      const t = T[ctx.lang];
      const lang = ctx.lang;
      const params = { orgId: ctx.req.params.orgId };
      const org = await getOrganisation(deps.directoryAdmin, ctx.caller, params);
      const { items: history } = await organisationHistory(deps.directoryAdmin, ctx.caller, params);
      const actorOrgs = new Map<string, string>();
      for (const id of new Set(history.flatMap((e) => (e.actor.orgId ? [e.actor.orgId] : []))))
        actorOrgs.set(id, (await deps.directory.getOrganisation(id))?.name ?? id);
      const roleWords = VOCABULARY[lang].roles as Readonly<Record<string, string>>;
      const who = (actor: (typeof history)[number]['actor']) => {
        if (actor.role === 'ops') return t.ops;
        const role = roleWords[actor.role as Role] ?? actor.role;
        return actor.orgId ? `${role}, ${actorOrgs.get(actor.orgId) ?? actor.orgId}` : role;
      };
      const when = (at: string) => formatDateTime(at, lang, ctx.timeZone);
      const body = [
        `<p>${link('/console/directory', t.back)}</p>`,
        readOnlyNote(lang),
        `<h2>${esc(t.orgFacts)}</h2>`,
        `<p>${stateTag(lang, org)}</p>`,
        facts([
          [t.kind, VOCABULARY[lang].orgKinds[org.kind]],
          ...(org.department
            ? [[t.department, VOCABULARY[lang].departments[org.department]] as [string, string]]
            : []),
          [t.regions, org.regions.join(', ')],
          [t.services, org.services.map((s) => VOCABULARY[lang].needs[s]).join(', ') || COMMON[lang].none],
          [t.capacity, String(org.capacity)],
          [t.openOffers, String(org.openOffers)],
          [t.childProtection, org.childProtection ? COMMON[lang].yes : COMMON[lang].no],
          [t.version, String(org.version)],
        ]),
        `<h2>${esc(t.contactsCaption)}</h2>`,
        table({
          caption: t.contactsCaption,
          head: [t.contactName, t.email, t.roles, t.language, t.timeZone, t.contactState],
          rows: org.contacts.map((c) => [
            esc(c.name),
            `<a href="mailto:${esc(c.email)}">${esc(c.email)}</a>`,
            esc(c.roles.map((r) => VOCABULARY[lang].contactRoles[r]).join(', ')),
            esc(t.languages[c.language]),
            esc(c.timeZone ?? COMMON[lang].none),
            [
              stateTag(lang, c),
              c.reachable === false ? tag(t.unreachable, 'warn') : '',
              c.away ? esc(t.away(when(c.away.from), when(c.away.to), c.away.deputyEmail)) : '',
            ]
              .filter(Boolean)
              .join(' '),
          ]),
          empty: t.noContacts,
        }),
        `<h2>${esc(t.historyTitle)}</h2>`,
        history.length
          ? `<ol class="timeline">${history
              .map(
                (e) =>
                  `<li><time datetime="${esc(e.at)}">${esc(when(e.at))}</time>` +
                  `<strong>${esc(t.events[e.type])}</strong> ${esc(t.by(who(e.actor)))}` +
                  (e.fields.length
                    ? `<br><span class="muted">${esc(t.fields)}</span> ${e.fields.map((f) => `<code>${esc(f)}</code>`).join(', ')}`
                    : '') +
                  '</li>',
              )
              .join('')}</ol>`
          : `<p class="muted">${esc(t.noHistory)}</p>`,
      ].join('');
      return page(org.name, body);
    }),
  ];
}
