/**
 * `npm run demo`: with the stack running (`npm start`), walks one referral through it as
 * the people involved would — the police officer refers, the NGO gets the offer email and
 * accepts through its link, the officer is told — printing each step and where to look.
 *
 * `npm run demo -- --to-closure` walks one case on to CLOSED instead (local/demo-case.ts):
 * `caseId: <uuid>` first, then one line per step.
 *
 * `npm run demo -- --meeting` has the prefecture's coordinator set a meeting of the council
 * members of several organisations, move it and cancel it (local/demo-meeting.ts), printing
 * `meetingId: <uuid>` first and, after each step, where to see the invites in the inbox.
 */

import { parseArgs } from 'node:util';
import { CaseClient, walkCase } from './demo-case';
import { walkMeeting } from './demo-meeting';
import { demoReferral } from './demo-referral';
import { readRuntimeFile, resolveDataDir } from './runtime-file';
import { mintLocalToken } from './token';

interface InboxEmail {
  readonly destination: { readonly to: string[] };
  readonly subject: string;
  readonly body: { readonly text?: string };
}

const OFFICER = 'officer.demo@police-korca.example.org';

function step(n: number, text: string): void {
  process.stdout.write(`\n${n}. ${text}\n`);
}

function detail(text: string): void {
  process.stdout.write(`   ${text}\n`);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const dataDir = resolveDataDir();
  const read = readRuntimeFile(dataDir);
  if (!read.ok) {
    process.stderr.write(
      `demo: the local stack is not running (${read.detail}); start it with \`npm start\`\n`,
    );
    process.exit(2);
  }
  const { urls } = read.runtime;
  const { values } = parseArgs({
    options: { 'to-closure': { type: 'boolean' }, meeting: { type: 'boolean' } },
    strict: true,
  });
  if (values['to-closure'] && values.meeting) {
    process.stderr.write('demo: --to-closure and --meeting are two demos; name one\n');
    process.exit(2);
  }
  const tokenFor = (role: string, org: string, email?: string) =>
    mintLocalToken({ role: role as 'police', org, ...(email ? { email } : {}) });
  if (values.meeting) {
    await walkMeeting(
      {
        runtime: read.runtime,
        token: tokenFor,
        coordinator: { org: 'prefecture-korca', email: 'coordinator@prefecture-korca.example.org' },
        region: 'korca',
        // Council members of the municipality, the social services, the police and two NGOs.
        orgIds: [
          'municipality-korca',
          'social-services-korca',
          'police-korca',
          'ngo-terre-des-hommes',
          'ngo-iom',
        ],
      },
      (line) => process.stdout.write(`${line}\n`),
    );
    return;
  }
  if (values['to-closure']) {
    const client = new CaseClient({ runtime: read.runtime, token: tokenFor });
    await walkCase(
      client,
      {
        // Consent to the social services of Korça, so the plan has an item outside the NGO.
        referral: { ...demoReferral(), consent: { given: true, localGovernment: true } },
        planOrgs: ['social-services-korca'],
        officer: { org: 'police-korca', email: OFFICER },
        idempotencyKey: `demo-${Date.now()}`,
      },
      (line) => process.stdout.write(`${line}\n`),
    );
    return;
  }
  const inbox = async (): Promise<InboxEmail[]> =>
    ((await (await fetch(`${urls.inbox}/store`)).json()) as { emails: InboxEmail[] }).emails;

  step(1, 'A police officer of Korça signs in (a local ID token, as Cognito would issue).');
  const token = await mintLocalToken({ role: 'police', org: 'police-korca', email: OFFICER });
  detail('npm run token -- --role police --org police-korca');

  step(2, 'After the interview the officer refers the presumed victim: a profile, never an identity.');
  const referral = demoReferral();
  const res = await fetch(`${urls.api}/referrals`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': `demo-${Date.now()}`,
    },
    body: JSON.stringify(referral),
  });
  if (res.status !== 201) throw new Error(`the referral was refused with ${res.status}: ${await res.text()}`);
  const created = (await res.json()) as { caseId: string; reference: string; status: string };
  detail(`POST ${urls.api}/referrals → 201 ${JSON.stringify(created)}`);

  step(3, 'The workflow picks the NGO that fits and emails its focal point an offer with a link.');
  const offer = await waitFor('the offer email', async () =>
    (await inbox()).find((e) => e.subject.includes(created.reference) && e.body.text?.includes('/actions/')),
  );
  const link = /(https?:\/\/\S+\/actions\/[A-Za-z0-9_-]+)/.exec(offer.body.text ?? '')?.[1];
  if (!link) throw new Error('the offer email holds no link');
  detail(`to ${offer.destination.to.join(', ')}: "${offer.subject}"`);
  detail(`see it in the inbox: ${urls.inbox}/`);

  step(4, 'The NGO opens the link: a confirm page (opening it changes nothing; mail scanners open links).');
  const page = await fetch(link);
  detail(`GET ${new URL(link).pathname.replace(/[^/]+$/, '<token>')} → ${page.status}`);

  step(5, 'The NGO accepts.');
  const accept = await fetch(link, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'decision=accept',
  });
  detail(
    `POST → ${accept.status}; the same link again → ${(await fetch(link, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'decision=accept' })).status} (single use)`,
  );

  step(6, 'The referring officer is told which NGO has the case.');
  const notice = await waitFor('the officer email', async () =>
    (await inbox()).find((e) => e.subject.includes(created.reference) && e.destination.to.includes(OFFICER)),
  );
  detail(`to ${notice.destination.to.join(', ')}: "${notice.subject}"`);
  const view = (await (
    await fetch(`${urls.api}/cases/${created.caseId}`, { headers: { Authorization: `Bearer ${token}` } })
  ).json()) as { status: string; acceptedOrgId?: string };
  detail(
    `GET ${urls.api}/cases/${created.caseId} → status ${view.status}, accepted by ${view.acceptedOrgId}`,
  );
  process.stdout.write('\nDone. Nothing in those emails identifies the person: only the case reference.\n');
}

main().catch((error) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
