/**
 * A real browser for the e2e tier: Debian's Chromium driven by playwright-core (no browser
 * download: `.ci/run` installs the `chromium` package), headless, with the flags this sandbox
 * needs (no background networking: the machine's network is closed), a fresh profile per
 * launch (playwright's own temporary one). axe-core checks each page; CSP violations and page errors are collected so a test
 * can require there were none.
 */
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.BASHKE_CHROMIUM ?? '/usr/bin/chromium';

export interface BrowserSession {
  readonly browser: Browser;
  /** A new context (cookies, storage) per call: one per user. */
  newContext(options?: {
    javaScriptEnabled?: boolean;
    viewport?: { width: number; height: number };
  }): Promise<BrowserContext>;
  /** What the pages reported: CSP refusals, console errors, uncaught errors. */
  readonly problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
    ],
  });
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    problems,
    async newContext(options = {}) {
      const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1100, height: 800 },
        javaScriptEnabled: options.javaScriptEnabled ?? true,
        locale: 'en-GB',
      });
      context.on('page', (page) => watch(page, problems));
      contexts.push(context);
      return context;
    },
    async close() {
      for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

function watch(page: Page, problems: string[]): void {
  page.on('console', (message) => {
    // A page answered 4xx on purpose (a refusal the test asked for) is logged by Chromium as a
    // failed load; subresources are checked by their responses below.
    if (
      message.type() === 'error' &&
      !/^Failed to load resource: the server responded/.test(message.text())
    ) {
      problems.push(`${page.url()}: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const request = response.request();
    if (response.status() >= 400 && !request.isNavigationRequest()) {
      problems.push(
        `${page.url()}: ${request.resourceType()} ${new URL(response.url()).pathname} answered ${response.status()}`,
      );
    }
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
}

export interface AxeFinding {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly nodes: readonly string[];
}

/** axe-core on the page as it is now, WCAG 2.x A and AA rules: the serious and critical findings. */
export async function seriousAxeFindings(page: Page): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
}

/**
 * A screenshot for the README (docs/screenshots/<name>.png) when BASHKE_SCREENSHOTS=1
 * (`npm run screenshots`); otherwise into the run's temporary folder, so an ordinary test run
 * leaves the repository as it was.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir =
    process.env.BASHKE_SCREENSHOTS === '1'
      ? path.join(__dirname, '..', '..', 'docs', 'screenshots')
      : path.join(os.tmpdir(), 'bashke-screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
