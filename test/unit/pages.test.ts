import type { ActionOutcome, TaskSummary } from '../../functions/action-link/action-link';
import { PAGE_HEADERS, renderOutcome, renderRsvp } from '../../functions/action-link/pages';
import type { RsvpOutcome } from '../../functions/action-link/rsvp';
import { TASK_KINDS } from '../../shared/domain/tasks';
import type { Language } from '../../shared/email/templates';
import { STYLESHEET } from '../../shared/http/look';

/** The emailed-link pages: what each shows, and the rules every one of them keeps (issue 11). */

const OPTS = { requestId: 'req-1', timeZone: 'Europe/Tirane' };
const LANGS: readonly Language[] = ['sq', 'en'];

function summary(kind: TaskSummary['kind'], language: Language): TaskSummary {
  const meeting = kind === 'MINUTES' || kind === 'ACTION_ITEM' || kind === 'PREVENTION';
  return {
    kind,
    subject: meeting ? 'meeting' : 'case',
    reference: meeting ? 'Mbledhja e grupit, 2026-03-12' : 'KOR-2026-0007',
    ...(kind === 'ACTION_ITEM' ? { title: 'Ftoni bashkinë' } : {}),
    orgName: 'Different & Equal',
    due: new Date('2026-03-11T09:00:00.000Z'),
    language,
    planChoices: [{ service: 'economic-aid', orgs: [{ orgId: 'localgov-korce', name: 'Bashkia Korçë' }] }],
    openItems:
      kind === 'PLAN_REVIEW'
        ? [
            {
              taskId: 'c1',
              service: 'economic-aid',
              orgName: 'Bashkia Korçë',
              due: new Date('2026-04-11T09:00:00.000Z'),
            },
          ]
        : [],
    ...(kind === 'OFFER'
      ? {
          offer: {
            regionName: 'Korçë',
            ageGroup: 'unknown',
            needs: ['shelter', 'psycho-social'],
            riskLevel: 'high',
          },
        }
      : {}),
  };
}

const RSVP_VIEW = {
  title: 'Mbledhja e grupit',
  start: new Date('2026-03-12T09:00:00.000Z'),
  timeZone: 'Europe/Tirane',
  place: 'Prefektura',
} as const;

/** Every page the link routes can answer: each task kind's confirm, invalid and done, the RSVP pages, 410. */
function everyPage(): Array<{ name: string; html: string; statusCode: number }> {
  const pages: Array<{ name: string; outcome: ActionOutcome | RsvpOutcome; rsvp: boolean }> = [];
  for (const lang of LANGS) {
    for (const kind of TASK_KINDS) {
      const task = summary(kind, lang);
      pages.push({ name: `${kind} ${lang} confirm`, outcome: { kind: 'confirm', task }, rsvp: false });
      pages.push({
        name: `${kind} ${lang} invalid`,
        outcome: { kind: 'invalid', task, fields: ['reason', 'form'] },
        rsvp: false,
      });
      pages.push({
        name: `${kind} ${lang} done`,
        outcome: { kind: 'done', task, result: 'accept' },
        rsvp: false,
      });
    }
    const view = { ...RSVP_VIEW, language: lang };
    pages.push({
      name: `rsvp ${lang} confirm`,
      outcome: { kind: 'confirm', view, answer: 'accepted' },
      rsvp: true,
    });
    pages.push({ name: `rsvp ${lang} invalid`, outcome: { kind: 'invalid', view }, rsvp: true });
    pages.push({
      name: `rsvp ${lang} done`,
      outcome: { kind: 'done', view, answer: 'declined' },
      rsvp: true,
    });
  }
  pages.push({ name: '410', outcome: { kind: 'gone' }, rsvp: false });
  pages.push({ name: 'rsvp 410', outcome: { kind: 'gone' }, rsvp: true });
  return pages.map(({ name, outcome, rsvp }) => {
    const r = rsvp ? renderRsvp(outcome as RsvpOutcome, OPTS) : renderOutcome(outcome as ActionOutcome, OPTS);
    if (typeof r !== 'object') throw new Error('not a response');
    return { name, html: String(r.body), statusCode: r.statusCode ?? 0 };
  });
}

const PAGES = everyPage();
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe('link pages', () => {
  it('keeps the strict headers: no script of any kind, not framed, no referrer, not cached', () => {
    expect(PAGE_HEADERS['Content-Security-Policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(PAGE_HEADERS['Content-Security-Policy']).not.toMatch(/script-src/);
    expect(PAGE_HEADERS['Referrer-Policy']).toBe('no-referrer');
    expect(PAGE_HEADERS['Cache-Control']).toBe('no-store');
  });

  it.each(PAGES.map((p) => [p.name, p] as const))(
    '%s: is small, self-contained and script-free',
    (_, page) => {
      expect(Buffer.byteLength(page.html, 'utf8')).toBeLessThanOrEqual(100 * 1024);
      expect(page.html).not.toMatch(/<script|javascript:|\son[a-z]+=|http-equiv/i);
      // Nothing fetched: no URL, no linked file, no image or font.
      expect(page.html).not.toMatch(/https?:|\/\/|<link|<img|\ssrc=|url\(|@import/i);
      expect(page.html).not.toMatch(/\sstyle=/);
    },
  );

  it.each(PAGES.map((p) => [p.name, p] as const))(
    '%s: lang, one h1, a main landmark, the Bashkë header',
    (_, page) => {
      expect(page.html).toMatch(/^<!doctype html>\n<html lang="(sq|en)">/);
      expect(count(page.html, /<h1[\s>]/g)).toBe(1);
      expect(count(page.html, /<main[\s>]/g)).toBe(1);
      expect(page.html).toContain('<header class="bar"><p lang="sq">Bashkë</p></header>');
      expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    },
  );

  it.each(PAGES.map((p) => [p.name, p] as const))(
    '%s: every control has a label and every button words',
    (_, page) => {
      const controls = [...page.html.matchAll(/<(input|select|textarea)\b[^>]*>/g)].map((m) => m[0]);
      for (const tag of controls) {
        if (/type="hidden"/.test(tag)) continue;
        const id = /\sid="([^"]+)"/.exec(tag)?.[1];
        expect(id).toBeDefined();
        expect(page.html).toContain(`<label for="${id}">`);
      }
      const ids = [...page.html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of page.html.matchAll(/<button[^>]*>([^<]*)<\/button>/g))
        expect(m[1]?.trim()).not.toBe('');
    },
  );

  it('announces an invalid answer and links it to the field it names', () => {
    const page = PAGES.find((p) => p.name === 'OFFER en invalid');
    expect(page?.statusCode).toBe(400);
    expect(page?.html).toContain('<div class="alert" role="alert" id="form-error">');
    expect(page?.html).toContain('<a href="#reason">reason</a>');
    expect(page?.html).toContain(
      '<input id="reason" name="reason" type="text" required maxlength="500" aria-invalid="true" aria-describedby="form-error">',
    );
    expect(PAGES.find((p) => p.name === 'rsvp sq invalid')?.html).toContain('role="alert"');
  });

  it.each([
    [
      'sq',
      [
        'Rajoni',
        'Korçë',
        'Grupmosha',
        'Mosha e panjohur',
        'Nevojat',
        'Strehim, Psiko-social',
        'Niveli i rrezikut',
        'I lartë',
      ],
    ],
    [
      'en',
      [
        'Region',
        'Korçë',
        'Age group',
        'Age unknown',
        'Needs',
        'Shelter, Psycho-social',
        'Risk level',
        'High',
      ],
    ],
  ] as const)('shows the offer facts in %s, with the deadline and its offset', (lang, words) => {
    const page = PAGES.find((p) => p.name === `OFFER ${lang} confirm`);
    const facts = /<dl class="facts">.*?<\/dl>/.exec(page?.html ?? '')?.[0] ?? '';
    for (const w of words) expect(facts).toContain(w);
    expect(facts).toContain('2026-03-11 10:00 (UTC+01:00)');
    expect(count(facts, /<dt>/g)).toBe(5);
  });

  it('shows the facts on the offer form only, not on its thank-you page nor on other tasks', () => {
    const offerForm = /^OFFER (sq|en) (confirm|invalid)$/;
    for (const page of PAGES)
      expect([page.name, page.html.includes('class="facts"')]).toEqual([
        page.name,
        offerForm.test(page.name),
      ]);
  });

  it('renders the same 410 page, status and bytes, for a task link and an invitation link', () => {
    const gone = PAGES.filter((p) => p.name.endsWith('410'));
    expect(gone.map((p) => p.statusCode)).toEqual([410, 410]);
    expect(gone[0]?.html).toBe(gone[1]?.html);
  });

  it('keeps its controls at least 44 px and its focus ring visible', () => {
    expect(STYLESHEET).toMatch(/button\{[^}]*min-height:44px/);
    expect(STYLESHEET).toMatch(/:focus-visible\{outline:3px solid/);
    expect(STYLESHEET).toMatch(/select,textarea\{[^}]*width:100%/);
    expect(STYLESHEET).not.toMatch(/outline:(none|0)/);
  });
});
