/**
 * The console in-process on DynamoDB Local: the real pages over the real use cases and store,
 * with the demo directory (shared/directory/korca.json). Sign-in is a session written straight
 * into the table (the OAuth flow has its own tests), and `member.get/post` send API Gateway
 * events the way the HTTP API would, cookie and CSRF token included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { consoleApp } from '../../functions/console/console';
import type { ConsoleDeps } from '../../functions/console/deps';
import { COOKIE } from '../../shared/console/app';
import { type OAuthClient, type SignedInUser, SignInError } from '../../shared/console/oauth';
import { randomToken, SESSION_TTL_MS, SessionStore } from '../../shared/console/session';
import { DirectoryStore } from '../../shared/data/directory-store';
import type { Role } from '../../shared/domain/codes';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { type Directory, directorySchema } from '../../shared/domain/directory';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { TaskClock } from '../../shared/tasks/task-context';
import type { ReferralWorkflowInput } from '../../shared/workflow/task-input';
import { MemoryAudit } from './audit';
import { type StoreTable, storeTable } from './store-table';
import { RecordingMailer } from './workflow-fakes';

export const CONSOLE_ZONE = 'Europe/Tirane';
export const CONSOLE_BASE = 'https://bashke.example.org/console';

export function korcaDirectory(): Directory {
  const raw = readFileSync(join(__dirname, '..', '..', 'shared', 'directory', 'korca.json'), 'utf8');
  return directorySchema.parse(JSON.parse(raw));
}

export interface ConsoleResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly cookies: readonly string[];
  /** The Location of a redirect. */
  readonly location?: string;
}

export interface Member {
  readonly sessionId: string;
  readonly csrf: string;
  get(path: string): Promise<ConsoleResponse>;
  /** A form POST with the session's CSRF token (unless `fields` carries its own `_csrf`). */
  post(path: string, fields: readonly (readonly [string, string])[]): Promise<ConsoleResponse>;
}

export interface ConsoleWorld {
  readonly db: StoreTable;
  readonly deps: ConsoleDeps;
  readonly mailer: RecordingMailer;
  /** Referral workflows started (create and assignment). */
  readonly started: ReferralWorkflowInput[];
  /** Task tokens answered. */
  readonly answered: { token: string; output: unknown }[];
  /** Codes the callback redeemed, with the verifier and nonce it sent. */
  readonly redeemed: { code: string; verifier: string; nonce: string }[];
  /** Who the managed login says signed in, for the next redemption (none: the code is refused). */
  readonly oauthUser: { current?: SignedInUser };
  /** What the console recorded in the audit trail. */
  readonly audit: MemoryAudit;
  /** Moves the world's clock. */
  setNow(at: Date): void;
  now(): Date;
  request(
    event: Partial<APIGatewayProxyEventV2> & { method: string; path: string },
  ): Promise<ConsoleResponse>;
  /** A signed-in member: `email` should be a contact of `orgId` in the directory. */
  signIn(role: Role, orgId: string, email?: string, lang?: 'sq' | 'en'): Promise<Member>;
}

export async function startConsoleWorld(label: string, directory = korcaDirectory()): Promise<ConsoleWorld> {
  const db = await storeTable(label, directory);
  const { store } = db;
  let now = new Date('2026-12-01T09:00:00.000Z');
  const clockNow = () => new Date(now.getTime());
  const taskClock: TaskClock = {
    now: clockNow,
    deadlines: DEFAULT_DEADLINES,
    calendar: { timeZone: CONSOLE_ZONE, holidays: new Set() },
    reminders: DEFAULT_REMINDERS,
  };
  const mailer = new RecordingMailer();
  const started: ReferralWorkflowInput[] = [];
  const answered: { token: string; output: unknown }[] = [];
  const workflow = { start: async (input: ReferralWorkflowInput) => void started.push(input) };
  const callback = {
    succeed: async (token: string, output: unknown) => {
      answered.push({ token, output });
      return 'ok' as const;
    },
    fail: async () => 'ok' as const,
  };
  const redeemed: { code: string; verifier: string; nonce: string }[] = [];
  const oauthUser: { current?: SignedInUser } = {};
  const sessions = new SessionStore(db.table.client, db.table.tableName);
  const oauth: Pick<OAuthClient, 'config' | 'redeem'> = {
    config: {
      baseUrl: 'https://login.bashke.example.org',
      clientId: 'console-client',
      issuer: 'https://issuer.bashke.example.org',
      redirectUri: `${CONSOLE_BASE}/auth/callback`,
      logoutUri: `${CONSOLE_BASE}/signed-out`,
    },
    // The managed login's answer for the next code (tests of the callback set it).
    redeem: async (code, verifier, nonce) => {
      redeemed.push({ code, verifier, nonce });
      if (!oauthUser.current) throw new SignInError('no user for this code');
      return oauthUser.current;
    },
  };
  const audit = new MemoryAudit();
  const deps: ConsoleDeps = {
    sessions,
    audit,
    oauth,
    directory: store,
    store,
    now: clockNow,
    timeZone: CONSOLE_ZONE,
    referrals: { store, workflow, now: clockNow, timeZone: CONSOLE_ZONE, interviewMaxAgeDays: 30 },
    cases: { store, auditTrail: audit },
    tasks: { ...taskClock, store, directory: store, callback },
    commands: {
      ...taskClock,
      store,
      directory: store,
      callback,
      workflow,
      mailer,
      actionBaseUrl: 'https://bashke.example.org',
    },
    meetings: {
      timeZone: CONSOLE_ZONE,
      meetingReminders: DEFAULT_REMINDERS.meetings,
      claimSeconds: DEFAULT_REMINDERS.claimSeconds,
      publicBaseUrl: 'https://bashke.example.org',
      uidDomain: 'bashke.example.org',
      now: clockNow,
      store,
      mailer,
      directory: store,
      complete: { ...taskClock, store, callback: { succeed: async () => 'closed' as const } },
    },
    stats: { store, now: clockNow, timeZone: CONSOLE_ZONE },
    directoryAdmin: {
      directoryStore: new DirectoryStore(db.table.client, db.table.tableName),
      directory: store,
      now: clockNow,
    },
  };
  const app = consoleApp(deps, { oauthOrigin: 'https://login.bashke.example.org', https: true });
  let requests = 0;

  const request: ConsoleWorld['request'] = async ({ method, path, ...rest }) => {
    const [rawPath, rawQueryString = ''] = path.split('?', 2) as [string, string?];
    const query = Object.fromEntries(new URLSearchParams(rawQueryString));
    const event = {
      version: '2.0',
      routeKey:
        method === 'GET' || method === 'HEAD' ? 'GET /console/{proxy+}' : `${method} /console/{proxy+}`,
      rawPath,
      rawQueryString,
      headers: { host: 'bashke.example.org', ...rest.headers },
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      requestContext: { http: { method, path: rawPath }, requestId: `req-${++requests}` },
      isBase64Encoded: false,
      ...rest,
    } as unknown as APIGatewayProxyEventV2;
    const out = (await app(event, `req-${requests}`)) as APIGatewayProxyStructuredResultV2;
    const headers = Object.fromEntries(
      Object.entries(out.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    return {
      status: out.statusCode ?? 200,
      headers,
      body: out.body ?? '',
      cookies: out.cookies ?? [],
      ...(headers.location ? { location: headers.location } : {}),
    };
  };

  return {
    db,
    deps,
    mailer,
    started,
    answered,
    redeemed,
    oauthUser,
    audit,
    setNow: (at) => {
      now = at;
    },
    now: clockNow,
    request,
    async signIn(role, orgId, email, lang = 'en') {
      const sessionId = randomToken(32);
      const csrf = randomToken(32);
      await sessions.createSession(sessionId, {
        sub: `${role}-${orgId}`,
        ...(email ? { email } : {}),
        orgId,
        role,
        lang,
        csrf,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
      });
      const cookies = [`${COOKIE.session}=${sessionId}`, `${COOKIE.lang}=${lang}`];
      return {
        sessionId,
        csrf,
        get: (path) => request({ method: 'GET', path, cookies }),
        post: (path, fields) => {
          const form = new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v]));
          if (!form.has('_csrf')) form.set('_csrf', csrf);
          return request({
            method: 'POST',
            path,
            cookies,
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
            body: form.toString(),
          });
        },
      };
    },
  };
}
