/**
 * The console in a real browser (Debian's Chromium through playwright-core) against the local
 * stack as `npm start` runs it: every person signs in through the local managed login (the
 * OAuth code flow with PKCE), and does their main job in the pages, in order on one stack (the
 * tests share its clock). axe-core checks every page visited: no serious or critical finding.
 * No page may run script or inline style (the CSP would refuse it: the browser reports it).
 *
 * Screenshots of the main pages go to docs/screenshots/ with BASHKE_SCREENSHOTS=1
 * (`npm run screenshots`), otherwise to a temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { calendarDate } from '../../shared/util/time';
import { type BrowserSession, launchBrowser, screenshot, seriousAxeFindings } from '../support/browser';
import { RunningStack } from '../support/e2e-stack';

const ZONE = 'Europe/Tirane';
const USERS = {
  officer: 'Duty officer, Anti-Trafficking Unit',
  ngo: 'Entela Marku',
  otherNgo: 'Sarah Whitfield',
  localgov: 'Valbona Rrapi',
  council: 'Gentian Hoxha',
  coordinator: 'Elira Manushi',
} as const;

/** What has the keyboard focus (evaluated in the page: the tests compile without the DOM types). */
const FOCUSED = `(() => {
  const a = document.activeElement;
  return { tag: a?.tagName ?? '', type: a?.type ?? '', name: a?.name ?? '', value: a?.value ?? '',
    checked: !!a?.checked, text: a?.textContent ?? '' };
})()`;
interface Focused {
  readonly tag: string;
  readonly type: string;
  readonly name: string;
  readonly value: string;
  readonly checked: boolean;
  readonly text: string;
}

describe('the console in a browser', () => {
  let dataDir: string;
  let stack: RunningStack;
  let browser: BrowserSession;
  const consoleUrl = () => stack.runtime.urls.console as string;
  /** Every page checked, with what axe found there. */
  const checked = new Map<string, number>();

  const admin = async (pathname: string, init?: RequestInit) => {
    const res = await fetch(`${stack.runtime.urls.admin}${pathname}`, init);
    return (await res.json()) as { now: string };
  };
  const clockNow = async () => new Date((await admin('/clock')).now);
  const advance = (by: string) =>
    admin('/clock/advance', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ by }),
    });

  /** axe on the page as it is, and a screenshot when it is one of the README's. */
  async function check(page: Page, name?: string): Promise<void> {
    const findings = await seriousAxeFindings(page);
    expect({ page: new URL(page.url()).pathname, findings }).toEqual({
      page: new URL(page.url()).pathname,
      findings: [],
    });
    checked.set(new URL(page.url()).pathname, findings.length);
    if (name) await screenshot(page, name);
  }

  /**
   * A new browser context (its own cookies) signed in as `who` through the local managed
   * login, in English. A session lasts a working day on the stack's clock: after the clock
   * moved, sign in again.
   */
  async function signIn(
    who: string,
    options: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(consoleUrl());
    await page.getByRole('link', { name: 'Switch to English' }).click();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: new RegExp(who) }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/console/'));
    return { context, page };
  }

  /** Reloads `url` until `ready` finds what it waits for (a workflow step runs in the background). */
  async function until(
    page: Page,
    url: string,
    ready: () => Promise<boolean>,
    timeoutMs = 30_000,
    /** Between two looks: e.g. move the clock on a minute, so the due-time index's sweep runs. */
    between: () => Promise<unknown> = () => new Promise((r) => setTimeout(r, 500)),
  ): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      await page.goto(url);
      if (await ready()) return;
      if (Date.now() > end) throw new Error(`${url}: still not there after ${timeoutMs} ms`);
      await between();
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-console-'));
    stack = await RunningStack.start({ dataDir });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => {
    // A CSP refusal, a failed request or a script error on any page is a failure.
    expect(browser.problems.splice(0)).toEqual([]);
  });

  let caseUrl = '';
  let reference = '';

  it('lets the officer refer with the keyboard alone, and shows the case', async () => {
    const { context, page } = await signIn(USERS.officer);
    expect(new URL(page.url()).pathname).toBe('/console/referrals/new');
    await check(page, 'referral-form');
    // From the top of the page: the skip link first, then Tab through the form.
    await page.goto(`${consoleUrl()}/referrals/new`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const plan: Record<string, string | readonly string[]> = {
      socialWorkerPresent: 'no',
      // The organisation whose social worker was asked to take part.
      socialWorkerOrgId: 'ngo-vatra',
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'AL',
      language: 'sq',
      needs: ['psycho-social', 'employment'],
      riskLevel: 'medium',
      consentGiven: 'yes',
      consentLocalGovernment: ['yes'],
      preferredNgoId: 'ngo-vatra',
    };
    let sent = false;
    for (let step = 0; step < 120 && !sent; step++) {
      await page.keyboard.press('Tab');
      const el = (await page.evaluate(FOCUSED)) as Focused;
      const want = plan[el.name];
      if (el.tag === 'BUTTON' && el.text.includes('Send the referral')) {
        await page.keyboard.press('Enter');
        sent = true;
      } else if (el.tag === 'SELECT' && typeof want === 'string') {
        for (let i = 0; i < 400; i++) {
          const { value } = (await page.evaluate(FOCUSED)) as Focused;
          if (value === want) break;
          await page.keyboard.press('ArrowDown');
        }
      } else if (el.type === 'radio' && typeof want === 'string') {
        for (let i = 0; i < 10; i++) {
          const now = (await page.evaluate(FOCUSED)) as Focused;
          if (now.value === want) {
            if (!now.checked) await page.keyboard.press('Space');
            break;
          }
          await page.keyboard.press('ArrowDown');
        }
      } else if (el.type === 'checkbox' && Array.isArray(want) && want.includes(el.value) && !el.checked) {
        await page.keyboard.press('Space');
      }
    }
    expect(sent).toBe(true);
    await page.waitForURL(/\/console\/cases\/[0-9a-f-]{36}\?created=1$/);
    caseUrl = page.url().replace(/\?created=1$/, '');
    const notice = (await page.locator('.notice').textContent()) ?? '';
    reference = /KOR-\d{4}-\d{4}/.exec(notice)?.[0] ?? '';
    expect(reference).not.toBe('');
    await check(page, 'case-page');
    await page.getByRole('link', { name: 'Referrals', exact: true }).click();
    await expect(page.getByRole('link', { name: reference }).count()).resolves.toBe(1);
    await check(page);
    await context.close();
  });

  it('lets the NGO accept the offer from its task list', async () => {
    const { context, page } = await signIn(USERS.ngo);
    await until(page, `${consoleUrl()}/tasks`, async () => (await page.getByText(reference).count()) > 0);
    await check(page, 'ngo-tasks');
    await page
      .getByRole('row', { name: new RegExp(reference) })
      .getByRole('link')
      .first()
      .click();
    await expect(page.getByText('Risk level').count()).resolves.toBeGreaterThan(0);
    await check(page, 'offer-task');
    await page.getByRole('button', { name: 'Accept the referral' }).click();
    await expect(page.locator('.notice').textContent()).resolves.toContain(reference);
    await check(page);
    await context.close();
  });

  it('takes the case through assessment and plan to a plan item the department does in the console', async () => {
    // The assessment stage starts on a sweep of the due-time index once the acceptance has put
    // it there: the clock moves a minute on between looks, as long as the task has not come.
    await advance('2m');
    const ngo = await signIn(USERS.ngo);
    const open = async (title: string) => {
      await until(
        ngo.page,
        `${consoleUrl()}/tasks`,
        async () =>
          (await ngo.page
            .getByRole('row', { name: new RegExp(`${title}.*${reference}|${reference}.*${title}`) })
            .count()) > 0,
        30_000,
        async () => {
          await new Promise((r) => setTimeout(r, 500));
          await advance('1m');
        },
      );
      await ngo.page
        .getByRole('row', { name: new RegExp(`${title}.*${reference}|${reference}.*${title}`) })
        .getByRole('link')
        .first()
        .click();
    };
    await open('Needs assessment');
    await ngo.page.getByLabel('Psycho-social').check();
    await ngo.page.getByLabel('Employment').check();
    await ngo.page.getByRole('button', { name: 'Send' }).click();
    await expect(ngo.page.locator('.notice').count()).resolves.toBe(1);
    await open('Assistance and reintegration plan');
    await check(ngo.page, 'plan-task');
    await ngo.page.locator('select[name="item.economic-aid"]').selectOption('social-services-korca');
    await ngo.page.getByRole('button', { name: 'Send' }).click();
    await expect(ngo.page.locator('.notice').count()).resolves.toBe(1);
    await ngo.context.close();

    const dept = await signIn(USERS.localgov);
    await until(
      dept.page,
      `${consoleUrl()}/tasks`,
      async () => (await dept.page.getByText(reference).count()) > 0,
    );
    await check(dept.page);
    await dept.page
      .getByRole('row', { name: new RegExp(reference) })
      .getByRole('link')
      .first()
      .click();
    await check(dept.page);
    await dept.page.getByRole('button', { name: 'Done' }).click();
    await expect(dept.page.locator('.notice').count()).resolves.toBe(1);
    await dept.context.close();
  });

  let secondCase = '';

  it('works without JavaScript: a referral and a task action', async () => {
    const officer = await signIn(USERS.officer, { javaScriptEnabled: false });
    const p = officer.page;
    await p.goto(`${consoleUrl()}/referrals/new`);
    await p.locator('input[name="socialWorkerPresent"][value="yes"]').check();
    await p.locator('select[name="socialWorkerOrgId"]').selectOption('ngo-vatra');
    await p.locator('input[name="ageGroup"][value="adult"]').check();
    await p.locator('input[name="gender"][value="male"]').check();
    await p.locator('select[name="nationality"]').selectOption('XK');
    await p.locator('select[name="language"]').selectOption('sq');
    await p.locator('input[name="needs"][value="shelter"]').check();
    await p.locator('input[name="riskLevel"][value="high"]').check();
    await p.locator('input[name="consentGiven"][value="yes"]').check();
    await p.locator('select[name="preferredNgoId"]').selectOption('ngo-vatra');
    await p.getByRole('button', { name: 'Send the referral' }).click();
    await p.waitForURL(/\?created=1$/);
    secondCase = p.url().replace(/\?created=1$/, '');
    const second = /KOR-\d{4}-\d{4}/.exec((await p.locator('.notice').textContent()) ?? '')?.[0] ?? '';
    await officer.context.close();

    const ngo = await signIn(USERS.ngo, { javaScriptEnabled: false });
    await until(
      ngo.page,
      `${consoleUrl()}/tasks`,
      async () => (await ngo.page.getByText(second).count()) > 0,
    );
    await ngo.page
      .getByRole('row', { name: new RegExp(second) })
      .getByRole('link')
      .first()
      .click();
    // A decline with its reason: the case moves on to the next NGO.
    const decline = ngo.page
      .locator('form')
      .filter({ has: ngo.page.getByRole('button', { name: 'Decline the referral' }) });
    await decline.getByLabel(/Reason/).fill('No bed free this week');
    await decline.getByRole('button', { name: 'Decline the referral' }).click();
    await expect(ngo.page.locator('.notice').count()).resolves.toBe(1);
    await ngo.context.close();
  });

  it('lets the coordinator assign a case no NGO took', async () => {
    // Every other NGO of the region lets the offer lapse: a day each on the stack's clock.
    let unassigned = false;
    for (let i = 0; i < 12 && !unassigned; i++) {
      await advance('25h');
      const c = await signIn(USERS.coordinator);
      await c.page.goto(`${consoleUrl()}/dashboard`);
      const caseId = secondCase.split('/').pop() as string;
      unassigned =
        (await c.page
          .locator(`a[href$="/cases/${caseId}/assign"], form[action$="/cases/${caseId}/assign"]`)
          .count()) > 0;
      if (unassigned) {
        await check(c.page, 'coordinator-dashboard');
        await c.page.goto(`${secondCase}/assign`);
        await check(c.page);
        await c.page.getByLabel(/Vatra/).check();
        await c.page.getByRole('button', { name: 'Assign the case' }).click();
        await expect(c.page.locator('.notice').count()).resolves.toBe(1);
      }
      await c.context.close();
    }
    expect(unassigned).toBe(true);
  });

  it('shows a council member the meeting, its invitation and their action item', async () => {
    const coordinator = await signIn(USERS.coordinator);
    const p = coordinator.page;
    const day = calendarDate(new Date((await clockNow()).getTime() + 2 * 86_400_000), ZONE);
    await p.goto(`${consoleUrl()}/meetings/new`);
    await check(p, 'meeting-form');
    await p.locator('[name="title"]').fill('Monthly council meeting');
    await p.locator('[name="agenda"]').fill('New referrals\nPrevention in schools');
    await p.locator('[name="place"]').fill('Prefecture, room 2');
    await p.locator('[name="start-date"]').fill(day);
    await p.locator('[name="start-time"]').fill('10:00');
    await p.locator('[name="end-time"]').fill('11:30');
    await p.locator('input[name="orgId"][value="municipality-korca"]').check();
    await p.getByRole('button', { name: 'Set the meeting and send the invitations' }).click();
    await p.waitForURL(/\/console\/meetings\/[0-9a-f-]{36}/);
    const meetingUrl = p.url().split('?')[0] as string;
    await check(p, 'meeting-page');
    await coordinator.context.close();

    const member = await signIn(USERS.council);
    await member.page.goto(`${consoleUrl()}/meetings`);
    await check(member.page, 'council-meetings');
    await member.page.getByRole('link', { name: 'Monthly council meeting' }).click();
    await check(member.page);
    const ics = await member.page.request.get(`${meetingUrl}/invite.ics`);
    expect(ics.headers()['content-type']).toMatch(/^text\/calendar/);
    // Unfolded (RFC 5545 folds lines at 75 octets).
    expect((await ics.text()).replace(/\r?\n[ \t]/g, '')).toMatch(
      /METHOD:REQUEST[\s\S]*ATTENDEE[^\n]*council@municipality-korca\.example\.org/i,
    );
    await member.context.close();

    // The meeting ends; the coordinator records the minutes with an action item for the municipality.
    await advance('3d');
    const again = await signIn(USERS.coordinator);
    await until(
      again.page,
      meetingUrl,
      async () => (await again.page.getByRole('link', { name: 'Record the minutes' }).count()) > 0,
    );
    await again.page.getByRole('link', { name: 'Record the minutes' }).click();
    await check(again.page);
    await again.page.locator('[name="summary"]').fill('Two referrals reviewed; school visits planned.');
    await again.page.locator('[name="decisions"]').fill('Visit two schools before the holidays');
    await again.page.locator('[name="action-0-title"]').fill('Arrange the school visits');
    await again.page.locator('select[name="action-0-org"]').selectOption('municipality-korca');
    await again.page.getByRole('button', { name: 'Record the minutes' }).click();
    await again.page.waitForLoadState();
    // The form again (a 400) would name what it refused: say it rather than time out below.
    expect(await again.page.locator('.summary').allInnerTexts()).toEqual([]);
    expect(new URL(again.page.url()).search).toBe('?done=minutes');
    await again.context.close();

    const member2 = await signIn(USERS.council);
    await until(
      member2.page,
      `${consoleUrl()}/action-items`,
      async () => (await member2.page.getByText('Arrange the school visits').count()) > 0,
    );
    await check(member2.page, 'council-action-items');
    await member2.page.goto(`${consoleUrl()}/stats`);
    await check(member2.page, 'statistics');
    await member2.context.close();
  });

  it('refuses every role another role’s pages, by direct address', async () => {
    const caseId = caseUrl.split('/').pop() as string;
    const tries: [string, string, number[]][] = [
      [USERS.officer, '/console/dashboard', [403]],
      [USERS.officer, '/console/stats', [403]],
      [USERS.council, `/console/cases/${caseId}`, [403, 404]],
      [USERS.council, '/console/tasks', [403]],
      [USERS.ngo, '/console/referrals/new', [403]],
      [USERS.otherNgo, `/console/cases/${caseId}`, [403, 404]],
      [USERS.localgov, '/console/directory', [403]],
    ];
    for (const [who, pathname, statuses] of tries) {
      const { context, page } = await signIn(who);
      const res = await page.goto(`${new URL(consoleUrl()).origin}${pathname}`);
      expect({ who, pathname, status: statuses.includes(res?.status() ?? 0) }).toEqual({
        who,
        pathname,
        status: true,
      });
      await context.close();
    }
  });

  it('fits a 360 px phone: the task list without sideways scrolling', async () => {
    const { context, page } = await signIn(USERS.ngo, { viewport: { width: 360, height: 740 } });
    await page.goto(`${consoleUrl()}/tasks`);
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await check(page, 'phone-tasks');
    await context.close();
    expect(checked.size).toBeGreaterThan(10);
  });
});
