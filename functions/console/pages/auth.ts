import { callerFromClaims, resolveCaller } from '../../../shared/auth/caller';
import {
  COOKIE,
  type ConsoleRoute,
  cookie,
  memberRoute,
  page,
  publicRoute,
  redirect,
  safeNext,
  sessionClaims,
} from '../../../shared/console/app';
import { esc } from '../../../shared/console/html';
import { isLang, type Messages, pickLang } from '../../../shared/console/i18n';
import { homeOf } from '../../../shared/console/layout';
import { authorizeUrl, logoutUrl, pkcePair, SignInError } from '../../../shared/console/oauth';
import { LOGIN_TTL_MS, randomToken, SESSION_TTL_MS, sameSecret } from '../../../shared/console/session';
import { ForbiddenError } from '../../../shared/errors';
import type { ConsoleDeps } from '../deps';

const T = {
  en: {
    welcomeTitle: 'Bashkë — referrals and the cooperation group',
    welcome:
      'Bashkë coordinates the referral of presumed victims of trafficking from the police to the organisations that assist them, and the work of the cooperation group.',
    signIn: 'Sign in',
    signedOutTitle: 'You are signed out',
    signedOut: 'You are signed out of Bashkë on this device.',
    signInAgain: 'Sign in again',
    failedTitle: 'Sign-in did not work',
    failed: 'The sign-in could not be completed, or it took too long. Please try again.',
    notMemberTitle: 'Your account is not set up for Bashkë',
    notMember:
      'You signed in, but your account has no organisation or role in the group. Ask the coordinator of your region.',
  },
  sq: {
    welcomeTitle: 'Bashkë — referimet dhe grupi i bashkëpunimit',
    welcome:
      'Bashkë koordinon referimin e viktimave të mundshme të trafikimit nga policia te organizatat që i asistojnë, dhe punën e grupit të bashkëpunimit.',
    signIn: 'Identifikohuni',
    signedOutTitle: 'Keni dalë',
    signedOut: 'Keni dalë nga Bashkë në këtë pajisje.',
    signInAgain: 'Identifikohuni përsëri',
    failedTitle: 'Identifikimi nuk funksionoi',
    failed: 'Identifikimi nuk mund të përfundohej, ose zgjati shumë. Ju lutemi provoni përsëri.',
    notMemberTitle: 'Llogaria juaj nuk është e përgatitur për Bashkë',
    notMember:
      'U identifikuat, por llogaria juaj nuk ka organizatë ose rol në grup. Pyesni koordinatorin e rajonit tuaj.',
  },
} satisfies Messages<unknown>;

const signInLink = (text: string, next = '/console') =>
  `<p><a class="button" href="/console/sign-in?next=${esc(encodeURIComponent(next))}">${esc(text)}</a></p>`;

const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Sign-in, sign-out and the language switch: the OAuth 2.0 code flow with PKCE against the
 * managed login (Cognito, or locally the runtime's issuer), and the session it ends in.
 */
export function authRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  const oauth = deps.oauth.config;
  return [
    publicRoute('GET', '/console', async (ctx) => {
      const id = ctx.req.cookies.get(COOKIE.session);
      const session = id ? await deps.sessions.findSession(id, ctx.now) : undefined;
      if (session) return redirect(homeOf(session.role));
      const t = T[ctx.lang];
      return page(t.welcomeTitle, `<p class="lead">${esc(t.welcome)}</p>${signInLink(t.signIn)}`);
    }),
    publicRoute('GET', '/console/sign-in', async (ctx) => {
      // A new state, verifier and nonce for every sign-in; the state also goes into a cookie,
      // so a callback from another browser (a login forced on someone) finds no match.
      const state = randomToken(32);
      const nonce = randomToken(24);
      const { verifier, challenge } = pkcePair();
      const expiresAt = new Date(ctx.now.getTime() + LOGIN_TTL_MS).toISOString();
      await deps.sessions.startLogin(state, {
        verifier,
        nonce,
        next: safeNext(ctx.req.query.next),
        lang: ctx.lang,
        expiresAt,
      });
      return redirect(authorizeUrl(oauth, { state, challenge, nonce, lang: ctx.lang }), [
        cookie(COOKIE.login, state, LOGIN_TTL_MS / 1000),
      ]);
    }),
    publicRoute('GET', '/console/auth/callback', async (ctx) => {
      const t = T[ctx.lang];
      const { code, state } = ctx.req.query;
      const clearLogin = cookie(COOKIE.login, '', 0);
      const failed = () => page(t.failedTitle, `<p>${esc(t.failed)}</p>${signInLink(t.signIn)}`, 400);
      if (!state || !sameSecret(ctx.req.cookies.get(COOKIE.login), state)) return failed();
      const login = await deps.sessions.takeLogin(state, ctx.now);
      if (!login || !code || code.length > 2048) return failed();
      let user: Awaited<ReturnType<typeof deps.oauth.redeem>>;
      try {
        user = await deps.oauth.redeem(code, login.verifier, login.nonce, ctx.now);
      } catch (error) {
        if (error instanceof SignInError) return failed();
        throw error;
      }
      const claims = {
        sub: user.sub,
        token_use: 'id',
        'custom:orgId': user.orgId,
        'cognito:groups': [...user.groups],
        ...(user.email ? { email: user.email } : {}),
      };
      let role: ReturnType<typeof callerFromClaims>['role'];
      try {
        role = callerFromClaims(claims).role;
        await resolveCaller(deps.directory, sessionClaims({ ...user, role }));
      } catch (error) {
        if (error instanceof ForbiddenError) return page(t.notMemberTitle, `<p>${esc(t.notMember)}</p>`, 403);
        throw error;
      }
      const org = await deps.directory.getOrganisation(user.orgId);
      const contact = org?.contacts.find((c) => c.email.toLowerCase() === user.email?.toLowerCase());
      const sessionId = randomToken(32);
      await deps.sessions.createSession(sessionId, {
        sub: user.sub,
        ...(user.email ? { email: user.email } : {}),
        orgId: user.orgId,
        role,
        lang: pickLang(contact?.language, login.lang),
        csrf: randomToken(32),
        createdAt: ctx.now.toISOString(),
        expiresAt: new Date(ctx.now.getTime() + SESSION_TTL_MS).toISOString(),
      });
      const next = login.next === '/console' ? homeOf(role) : login.next;
      return redirect(next, [cookie(COOKIE.session, sessionId, SESSION_TTL_MS / 1000), clearLogin]);
    }),
    memberRoute(
      'POST',
      '/console/sign-out',
      ['police', 'ngo', 'localgov', 'council', 'coordinator', 'admin'],
      async (ctx) => {
        await deps.sessions.endSession(ctx.sessionId);
        // The managed login ends its own session too, then sends the browser to /signed-out.
        return redirect(logoutUrl(oauth), [cookie(COOKIE.session, '', 0)]);
      },
    ),
    publicRoute('GET', '/console/signed-out', async (ctx) => {
      const t = T[ctx.lang];
      return page(t.signedOutTitle, `<p>${esc(t.signedOut)}</p>${signInLink(t.signInAgain)}`);
    }),
    publicRoute('GET', '/console/language', async (ctx) => {
      // A preference of this browser, nothing else: a GET may set it (a link on every page).
      const lang = ctx.req.query.lang;
      const next = safeNext(ctx.req.query.next);
      return isLang(lang) ? redirect(next, [cookie(COOKIE.lang, lang, YEAR_SECONDS)]) : redirect(next);
    }),
  ];
}
