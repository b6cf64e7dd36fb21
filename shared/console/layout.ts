import type { Role } from '../domain/codes';
import { csrfField, esc } from './html';
import { COMMON, type Lang, type Messages } from './i18n';
import { CSS_PATH, FAVICON_PATH } from './stylesheet';
import { VOCABULARY } from './vocabulary';

/** The menu: each role's pages, in the order they are used. */
const NAV: readonly { readonly href: string; readonly roles: readonly Role[]; readonly key: NavKey }[] = [
  { href: '/console/dashboard', roles: ['coordinator'], key: 'dashboard' },
  { href: '/console/referrals/new', roles: ['police'], key: 'newReferral' },
  { href: '/console/referrals', roles: ['police'], key: 'referrals' },
  { href: '/console/tasks', roles: ['ngo', 'localgov', 'coordinator'], key: 'tasks' },
  { href: '/console/cases', roles: ['ngo', 'coordinator'], key: 'cases' },
  { href: '/console/meetings', roles: ['coordinator', 'council'], key: 'meetings' },
  { href: '/console/action-items', roles: ['council'], key: 'actionItems' },
  { href: '/console/stats', roles: ['coordinator', 'council'], key: 'stats' },
  { href: '/console/directory', roles: ['coordinator', 'admin'], key: 'directory' },
];

type NavKey =
  | 'dashboard'
  | 'newReferral'
  | 'referrals'
  | 'tasks'
  | 'cases'
  | 'meetings'
  | 'actionItems'
  | 'stats'
  | 'directory';

const NAV_WORDS = {
  en: {
    dashboard: 'Dashboard',
    newReferral: 'New referral',
    referrals: 'Referrals',
    tasks: 'Tasks',
    cases: 'Cases',
    meetings: 'Meetings',
    actionItems: 'My action items',
    stats: 'Statistics',
    directory: 'Directory',
  },
  sq: {
    dashboard: 'Paneli',
    newReferral: 'Referim i ri',
    referrals: 'Referimet',
    tasks: 'Detyrat',
    cases: 'Rastet',
    meetings: 'Mbledhjet',
    actionItems: 'Detyrat e mia',
    stats: 'Statistikat',
    directory: 'Drejtoria',
  },
} satisfies Messages<Record<NavKey, string>>;

/** Each role's start page: the first page of its menu. */
export function homeOf(role: Role): string {
  return NAV.find((n) => n.roles.includes(role))?.href ?? '/console';
}

export interface PageFrame {
  readonly lang: Lang;
  readonly title: string;
  /** Markup the page built (escaped by the html helpers). */
  readonly body: string;
  readonly requestId: string;
  /** The path the page is on (the menu marks it; the language switch comes back to it). */
  readonly path: string;
  readonly user?: {
    readonly role: Role;
    readonly name: string;
    readonly orgName: string;
    readonly csrf: string;
  };
}

/** A whole console page: skip link, header (who, language, sign out), menu, main, footer. */
export function renderFrame(frame: PageFrame): string {
  const c = COMMON[frame.lang];
  const other: Lang = frame.lang === 'sq' ? 'en' : 'sq';
  const switchHref = `/console/language?lang=${other}&next=${encodeURIComponent(frame.path)}`;
  const user = frame.user;
  const menu = user
    ? NAV.filter((n) => n.roles.includes(user.role))
        .map((n) => {
          const current =
            frame.path === n.href || (n.href !== '/console/referrals' && frame.path.startsWith(`${n.href}/`));
          return `<li><a href="${n.href}"${current ? ' aria-current="page"' : ''}>${esc(NAV_WORDS[frame.lang][n.key])}</a></li>`;
        })
        .join('')
    : '';
  return [
    '<!doctype html>',
    `<html lang="${frame.lang}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(frame.title)} — Bashkë</title>`,
    `<link rel="stylesheet" href="${CSS_PATH}">`,
    `<link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml">`,
    '</head><body>',
    `<a class="skip" href="#main">${esc(c.skip)}</a>`,
    '<header class="bar">',
    '<p lang="sq"><a href="/console">Bashkë</a></p><span class="spacer"></span>',
    user
      ? `<p class="who">${esc(c.signedInAs(user.name, user.orgName))} · ${esc(VOCABULARY[frame.lang].roles[user.role])}</p>`
      : '',
    `<p class="who"><a href="${esc(switchHref)}" lang="${other}" hreflang="${other}" aria-label="${esc(c.switchLabel)}">${esc(c.switchTo)}</a></p>`,
    user
      ? `<form method="post" action="/console/sign-out">${csrfField(user.csrf)}<button type="submit">${esc(c.signOut)}</button></form>`
      : '',
    '</header>',
    menu ? `<nav class="menu" aria-label="${esc(c.nav)}"><ul>${menu}</ul></nav>` : '',
    `<main id="main" tabindex="-1"><h1>${esc(frame.title)}</h1>`,
    frame.body,
    '</main>',
    `<footer><p>${esc(c.request(frame.requestId))}</p></footer>`,
    '</body></html>',
  ].join('\n');
}
