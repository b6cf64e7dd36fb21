import { COOKIE } from '../../shared/console/app';
import { CSS_PATH } from '../../shared/console/stylesheet';
import { type ConsoleResponse, type ConsoleWorld, startConsoleWorld } from '../support/console-world';
import { dropStoreTables } from '../support/store-table';

/**
 * The console's edge on DynamoDB Local (docs/console.md): sign-in by the code flow with PKCE,
 * the session and its cookie, CSRF, roles, the language switch, headers and error pages.
 */

let world: ConsoleWorld;
beforeEach(async () => {
  world = await startConsoleWorld('console-auth');
});
afterEach(dropStoreTables);

const COORDINATOR = 'coordinator@prefecture-korca.example.org';

/** The coordinator of the Korçë prefecture, as the managed login answers for them. */
const COORDINATOR_USER = {
  sub: 'u-1',
  orgId: 'prefecture-korca',
  groups: ['coordinator'],
  email: COORDINATOR,
};

/** The managed login's redirect back with `state`, from the browser that holds its login cookie. */
function callback(state: string, code = 'abc'): Promise<ConsoleResponse> {
  return world.request({
    method: 'GET',
    path: `/console/auth/callback?code=${code}&state=${state}`,
    cookies: [`${COOKIE.login}=${state}`],
  });
}

function cookieValue(res: ConsoleResponse, name: string): string | undefined {
  const c = res.cookies.find((x) => x.startsWith(`${name}=`));
  return c?.slice(name.length + 1).split(';')[0];
}

describe('sign-in', () => {
  it('starts the code flow with PKCE, and the callback opens a session on the role start page', async () => {
    const start = await world.request({ method: 'GET', path: '/console/sign-in?next=%2Fconsole%2Fmeetings' });
    expect(start.status).toBe(302);
    const to = new URL(start.location as string);
    expect(`${to.origin}${to.pathname}`).toBe('https://login.bashke.example.org/oauth2/authorize');
    const q = to.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('console-client');
    expect(q.get('redirect_uri')).toBe('https://bashke.example.org/console/auth/callback');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = q.get('state') as string;
    expect(cookieValue(start, COOKIE.login)).toBe(state);
    expect(start.cookies[0]).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);

    world.oauthUser.current = COORDINATOR_USER;
    const back = await callback(state, 'abc123');
    expect(back.status).toBe(302);
    expect(back.location).toBe('/console/meetings');
    const sessionId = cookieValue(back, COOKIE.session) as string;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The verifier sent is the one whose hash went to the authorize endpoint.
    const { createHash } = await import('node:crypto');
    const sent = world.redeemed[0];
    expect(
      createHash('sha256')
        .update(sent?.verifier ?? '')
        .digest('base64url'),
    ).toBe(q.get('code_challenge'));
    expect(sent?.nonce).toBe(q.get('nonce'));

    const home = await world.request({
      method: 'GET',
      path: '/console/meetings',
      cookies: [`${COOKIE.session}=${sessionId}`],
    });
    expect(home.status).not.toBe(302);
    // The table holds the id's hash, never the id.
    const items = await world.db.items();
    expect(JSON.stringify(items)).not.toContain(sessionId);
    expect(items.some((i) => String(i.pk).startsWith('LOGIN#'))).toBe(false);
  });

  it('refuses a callback whose state is not this browser’s, or used twice', async () => {
    const start = await world.request({ method: 'GET', path: '/console/sign-in' });
    const state = new URL(start.location as string).searchParams.get('state') as string;
    world.oauthUser.current = COORDINATOR_USER;
    const foreign = await world.request({
      method: 'GET',
      path: `/console/auth/callback?code=abc&state=${state}`,
    });
    expect(foreign.status).toBe(400);
    expect(foreign.cookies.some((c) => c.startsWith(`${COOKIE.session}=`))).toBe(false);
    const ok = await callback(state);
    expect(ok.status).toBe(302);
    const again = await callback(state);
    expect(again.status).toBe(400);
  });

  it('refuses a user whose organisation is not in the directory, or who holds no single role', async () => {
    for (const user of [
      { sub: 'u-2', orgId: 'no-such-org', groups: ['police'] },
      { sub: 'u-3', orgId: 'police-korca', groups: ['police', 'admin'] },
    ]) {
      const start = await world.request({ method: 'GET', path: '/console/sign-in' });
      const state = new URL(start.location as string).searchParams.get('state') as string;
      world.oauthUser.current = user;
      const back = await callback(state);
      expect(back.status).toBe(403);
      expect(back.cookies.some((c) => c.startsWith(`${COOKIE.session}=`))).toBe(false);
    }
  });

  it('sends a signed-out visitor to sign in, and back to the page asked for', async () => {
    const res = await world.request({ method: 'GET', path: '/console/tasks?view=overdue' });
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/console/sign-in?next=${encodeURIComponent('/console/tasks?view=overdue')}`);
    const forged = await world.request({
      method: 'GET',
      path: '/console/tasks',
      cookies: [`${COOKIE.session}=${'x'.repeat(43)}`],
    });
    expect(forged.status).toBe(302);
  });

  it('never sends anyone off-site after sign-in', async () => {
    for (const next of [
      'https://evil.example',
      '//evil.example',
      '/console/../x',
      '/consolex',
      '/console\\evil',
      '/console/%0d%0aSet-Cookie:x',
    ]) {
      const start = await world.request({
        method: 'GET',
        path: `/console/sign-in?next=${encodeURIComponent(next)}`,
      });
      const state = new URL(start.location as string).searchParams.get('state') as string;
      world.oauthUser.current = COORDINATOR_USER;
      const back = await callback(state);
      expect(back.location === '/console/dashboard' || back.location?.startsWith('/console/')).toBe(true);
      expect(back.location).not.toMatch(/evil|\r|\n/);
    }
  });
});

describe('a session', () => {
  it('ends at sign-out: the item is gone and the managed login signs out too', async () => {
    const member = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
    const out = await member.post('/console/sign-out', []);
    expect(out.status).toBe(303);
    const to = new URL(out.location as string);
    expect(`${to.origin}${to.pathname}`).toBe('https://login.bashke.example.org/logout');
    expect(to.searchParams.get('logout_uri')).toBe('https://bashke.example.org/console/signed-out');
    expect(cookieValue(out, COOKIE.session)).toBe('');
    expect((await member.get('/console/dashboard')).status).toBe(302);
  });

  it('refuses a POST without its CSRF token, or from another site, and changes nothing', async () => {
    const member = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
    const missing = await member.post('/console/sign-out', [['_csrf', 'nope']]);
    expect(missing.status).toBe(403);
    const cross = await world.request({
      method: 'POST',
      path: '/console/sign-out',
      cookies: [`${COOKIE.session}=${member.sessionId}`],
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: `_csrf=${member.csrf}`,
    });
    expect(cross.status).toBe(403);
    expect((await member.get('/console')).status).toBe(302); // still signed in
  });

  it('lasts a working day: after it the member signs in again', async () => {
    const member = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
    expect((await member.get('/console')).location).toBe('/console/dashboard');
    world.setNow(new Date(world.now().getTime() + 8 * 3600_000 + 1000));
    expect((await member.get('/console')).status).toBe(200); // the start page, signed out
    expect((await member.get('/console/dashboard')).location).toMatch(/^\/console\/sign-in\?next=/);
  });

  it('gives a role only its own pages: another role’s page is a 403', async () => {
    const police = await world.signIn('police', 'police-korca', 'antitrafficking@police-korca.example.org');
    const res = await police.get('/console/dashboard');
    expect([403, 404]).toContain(res.status);
  });
});

describe('every page', () => {
  it('carries the security headers, no script, and the language switch', async () => {
    const res = await world.request({ method: 'GET', path: '/console' });
    expect(res.status).toBe(200);
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toMatch(/<script|style=/i);
    expect(res.body).toContain('<html lang="sq">');
    expect(res.body).toContain(`href="${CSS_PATH}"`);
    expect(res.body).toContain('href="/console/language?lang=en&amp;next=%2Fconsole"');
  });

  it('switches language by a cookie and comes back to the same page', async () => {
    const res = await world.request({
      method: 'GET',
      path: '/console/language?lang=en&next=%2Fconsole%2Fsigned-out',
    });
    expect(res.location).toBe('/console/signed-out');
    expect(cookieValue(res, COOKIE.lang)).toBe('en');
    const page = await world.request({
      method: 'GET',
      path: '/console/signed-out',
      cookies: [`${COOKIE.lang}=en`],
    });
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('You are signed out');
  });

  it('serves its stylesheet under its hash, cached for a year', async () => {
    const css = await world.request({ method: 'GET', path: CSS_PATH });
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toContain('immutable');
  });

  it('answers an unknown page with the 404 page, and another method with 405', async () => {
    expect((await world.request({ method: 'GET', path: '/console/nothing-here' })).status).toBe(404);
    expect((await world.request({ method: 'DELETE', path: '/console' })).status).toBe(405);
    expect(
      (
        await world.request({
          method: 'POST',
          path: '/console',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
        })
      ).status,
    ).toBe(405);
  });
});
