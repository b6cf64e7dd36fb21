/**
 * Reminders and mail on the running stack, as its users meet them: the officer refers through
 * the HTTP API, the NGOs read the inbox, ops move the runtime clock and stop the mail service.
 * The dispatcher runs on the template's one-minute schedule; SES delivery events travel the
 * configuration set's EventBridge destination and the template's rule, as on AWS. One stack
 * serves every test, in order: they share its clock.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { simpleParser } from 'mailparser';
import { mintLocalToken } from '../../local';
import { instantAt, wallClock } from '../../shared/util/time';
import { demoReferral, freePortBase, type InboxEmail, RunningStack } from '../support/e2e-stack';
import { fetchRaw } from '../support/raw-mail';

const OFFICER = { org: 'police-korca', email: 'officer@police.example.org' };
const COORDINATOR = 'coordinator@prefecture-korca.example.org';
const BOUNCE = 'bounce@simulator.amazonses.com';
const LINZA = 'focal.point@linza.example.org';
const ME_THE_WOMAN = 'focal.point@me-the-woman.example.org';

type RawInboxEmail = InboxEmail & { readonly messageId: string };

describe('reminders and mail on the local stack', () => {
  let stack: RunningStack;
  let doc: DynamoDBDocumentClient;
  let tableName: string;
  let key = 0;

  const admin = async (pathname: string, body: unknown = {}) => {
    const res = await fetch(`${stack.runtime.urls.admin}${pathname}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${pathname} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<{ now?: string }>;
  };
  const now = async () => {
    const res = await fetch(`${stack.runtime.urls.admin}/clock`);
    return new Date(((await res.json()) as { now: string }).now);
  };
  /** Moves the clock to the next `hh:mm` in Tirana (the schedules due by then have run). */
  const advanceTo = async (hours: number, minutes = 0) => {
    const at = await now();
    const wall = wallClock(at, 'Europe/Tirane');
    let target = instantAt(wall.date, (hours * 60 + minutes) * 60_000, 'Europe/Tirane');
    if (target.getTime() <= at.getTime()) target = new Date(target.getTime() + 86_400_000);
    await admin('/clock/advance', { ms: target.getTime() - at.getTime() });
  };
  const advance = (ms: number) => admin('/clock/advance', { ms });
  /** Dated by the stack's runtime clock: valid after the clock moved on. */
  const token = (role: 'police' | 'coordinator', org: string, email?: string) =>
    mintLocalToken({ role, org, ...(email ? { email } : {}), 'data-dir': stack.dataDir });
  const refer = async (preferredNgoId: string) => {
    key += 1;
    const res = await fetch(`${stack.runtime.urls.api}/referrals`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await token('police', OFFICER.org, OFFICER.email)}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': `key-reminders-${String(key).padStart(4, '0')}`,
      },
      body: JSON.stringify({ ...demoReferral(), preferredNgoId }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { caseId: string; reference: string };
  };
  const inbox = async () => (await stack.inbox()) as RawInboxEmail[];
  const to = async (address: string, reference?: string) =>
    (await inbox()).filter(
      (e) => e.destination.to.includes(address) && (!reference || (e.body.text ?? '').includes(reference)),
    );
  const waitFor = async (what: () => Promise<boolean>, label: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await what()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${label} did not happen; the log:\n${stack.log.slice(-4000)}`);
  };
  const dueItems = async (type: string) => {
    const items: Record<string, unknown>[] = [];
    for (let shard = 0; shard < 8; shard += 1) {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': `DUE#${shard}` },
          ConsistentRead: true,
        }),
      );
      items.push(...(out.Items ?? []).filter((i) => i.type === type));
    }
    return items;
  };

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-reminders-'));
    // The functions log (the tests' default is silence): the outbox alarm's metric is a log line.
    stack = await RunningStack.start({
      dataDir,
      env: { BASHKE_PORT: String(await freePortBase()), LOG_LEVEL: 'INFO' },
    });
    const client = new DynamoDBClient({
      region: 'eu-central-1',
      endpoint: stack.runtime.urls.dynamodb,
      credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
    });
    doc = DynamoDBDocumentClient.from(client);
    const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    for (const t of tables) {
      const org = await doc.send(
        new GetCommand({ TableName: t, Key: { pk: 'ORG#ngo-korca-women', sk: 'ORG' } }),
      );
      if (org.Item) tableName = t;
    }
    expect(tableName).toBeDefined();
    // Ops moved one NGO's focal point to SES's bounce simulator (the directory API is the
    // meetings issue's): before any function read the directory, so no cache holds the old one.
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'ORG#ngo-korca-women', sk: 'ORG' },
        UpdateExpression: 'SET contacts[0].email = :bounce',
        ConditionExpression: 'contacts[0].email = :old',
        ExpressionAttributeValues: { ':bounce': BOUNCE, ':old': 'focal.point@korca-women.example.org' },
      }),
    );
  }, 180_000);

  afterAll(async () => {
    doc?.destroy();
    await stack?.stop();
    stack?.cleanup();
  }, 30_000);

  it('reminds the NGO of an open offer at half its time, holding it through quiet hours, in Albanian that a MIME parser reads intact', async () => {
    await advanceTo(10);
    const { reference } = await refer('ngo-linza');
    await waitFor(async () => (await to(LINZA, reference)).length === 1, 'the offer email');
    // Half of the 24 hours is 22:00: quiet hours, so nothing then...
    await advanceTo(22, 5);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await to(LINZA, reference)).toHaveLength(1);
    // ...and the reminder at the start of the day, 08:00 in the recipient's zone.
    await advanceTo(8, 1);
    await waitFor(async () => (await to(LINZA, reference)).length === 2, 'the reminder at 08:00');
    const reminder = (await to(LINZA, reference))[1] as RawInboxEmail;
    expect(reminder.subject).toMatch(/kujtesë/i);
    // The raw message as SES took it: subject and body decode intact (RFC 2047, UTF-8).
    const parsed = await simpleParser(await fetchRaw(stack.runtime.urls.inbox, reminder.messageId));
    expect(parsed.subject).toBe(reminder.subject);
    expect(parsed.subject).toContain('Bashkë');
    expect(parsed.text).toContain(reference);
    expect(parsed.text).toMatch(/[ëç]/);
    expect(parsed.html).toContain(reference);
    expect(parsed.text).toMatch(/\/actions\/[A-Za-z0-9_-]{43}/);
    // The same link as the offer's: the reminder points at the task's one live link.
    const offerLink = /\/actions\/([A-Za-z0-9_-]{43})/.exec(
      (await to(LINZA, reference))[0]?.body.text ?? '',
    )?.[1];
    expect(parsed.text).toContain(offerLink);
    // Two hours before expiry was 08:00 too: one message said it. At expiry the workflow moves
    // on to the next NGO, and no reminder of the lapsed offer follows.
    await advance(36 * 3_600_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await to(LINZA, reference)).filter((e) => /kujtesë/i.test(e.subject))).toHaveLength(1);
  }, 120_000);

  it('marks a contact whose mail bounces unreachable, tells the coordinator, and sends its open task to the coordinator', async () => {
    await advanceTo(11);
    const { caseId, reference } = await refer('ngo-korca-women');
    // The offer goes to the simulator, which bounces: the delivery event marks the contact.
    await waitFor(
      async () =>
        (
          await doc.send(
            new GetCommand({ TableName: tableName, Key: { pk: 'ORG#ngo-korca-women', sk: 'ORG' } }),
          )
        ).Item?.contacts?.[0]?.reachable === false,
      'the contact marked unreachable',
    );
    await waitFor(
      async () => (await to(COORDINATOR)).some((e) => e.subject.includes('nuk po mbërrin')),
      "the coordinator's notice",
    );
    // The focal point was the one unreachable: the offer goes to the coordinator, with its link.
    await waitFor(
      async () => (await to(COORDINATOR, reference)).some((e) => /\/actions\//.test(e.body.text ?? '')),
      'the offer sent to the coordinator',
    );
    // The timeline names who was emailed and the bounce, never what the message said.
    const timeline = async () => {
      const res = await fetch(`${stack.runtime.urls.api}/cases/${caseId}/timeline`, {
        headers: { Authorization: `Bearer ${await token('coordinator', 'prefecture-korca')}` },
      });
      return ((await res.json()) as { items: { type: string }[] }).items.map((e) => e.type);
    };
    await waitFor(async () => (await timeline()).includes('EMAIL_BOUNCED'), 'EMAIL_BOUNCED on the timeline');
    expect(await timeline()).toEqual(
      expect.arrayContaining(['EMAIL_SENT', 'EMAIL_BOUNCED', 'TASK_ESCALATED_UNREACHABLE']),
    );
    // The offer's reminder (half its time, held to 08:00) never goes to the unreachable
    // address: the coordinator, who now holds the task, gets it.
    await advanceTo(8, 2);
    await waitFor(
      async () => (await to(COORDINATOR, reference)).some((e) => /kujtesë/i.test(e.subject)),
      "the offer's reminder to the coordinator",
    );
    expect(await to(BOUNCE, reference)).toHaveLength(1);
  }, 120_000);

  it('loses nothing while SES is down: the offer waits in the outbox, the alarm metric fires, and it goes once SES is back', async () => {
    await advanceTo(10);
    await stack.settledScan(); // the earlier tests' mail has gone
    await admin('/services/ses/stop');
    try {
      const { caseId, reference } = await refer('ngo-me-the-woman');
      const queued = async () =>
        (await dueItems('OUTBOX')).filter(
          (i) => (i.email as { about?: { caseId?: string } }).about?.caseId === caseId,
        );
      await waitFor(async () => (await queued()).length === 1, 'the offer queued in the outbox');
      // A quarter of an hour on, still down: the dispatcher's attempt fails and counts it stale.
      await advance(16 * 60_000);
      await waitFor(async () => /"OutboxStale":1/.test(stack.log), 'the OutboxStale metric');
      expect(stack.log).toContain('outbox messages have waited too long');
      expect(await queued()).toHaveLength(1);
      await admin('/services/ses/start');
      // The next attempt, whenever its backoff falls, sends it: once, with a working link.
      await advance(31 * 60_000);
      await waitFor(
        async () => (await to(ME_THE_WOMAN, reference)).length === 1,
        'the offer after SES is back',
      );
      expect(await queued()).toHaveLength(0);
      const link = /(http:\/\/127\.0\.0\.1:\d+\/actions\/[A-Za-z0-9_-]{43})/.exec(
        (await to(ME_THE_WOMAN, reference))[0]?.body.text ?? '',
      )?.[1];
      expect((await fetch(link ?? '')).status).toBe(200);
    } finally {
      await admin('/services/ses/start').catch(() => undefined);
    }
  }, 120_000);
});
