/**
 * Whole cases on the running stack, as its users drive them: the officer through the HTTP
 * API, everyone else through the links their emails carry, the runtime clock moved on where
 * the next stage waits on the due-time index. One stack (fixed ports, so links survive a
 * restart) serves every test, in order: they share its clock.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CaseClient, continueCase, mintLocalToken, type WalkChoices, walkCase } from '../../local';
import { instantAt, wallClock } from '../../shared/util/time';
import { actionLink, demoReferral, freePortBase, type InboxEmail, RunningStack } from '../support/e2e-stack';

/** Typed into every free-text field a person may fill in: it must stay in the table. */
const CANARY = {
  decline: 'CANARY-decline-7c1e no bed tonight',
  notPossible: 'CANARY-item-3b9a waiting list full',
  reject: 'CANARY-reject-90d4 not yet stable',
};
const OFFICER = { org: 'police-korca', email: 'officer@police.example.org' };
const CHILD_PROTECTION = 'child.protection@municipality-korca.example.org';
const COORDINATOR = 'coordinator@prefecture-korca.example.org';
/** Consent to the social services, so a plan item goes to an organisation other than the NGO. */
const CONSENT = { given: true, localGovernment: true };
const PLAN_ORGS = ['social-services-korca'];

describe('a case from referral to closure on the local stack', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let stack: RunningStack;
  /** The case the kill test walks to closure, with every reason typed: the erasure test's. */
  let reasoned: { caseId: string; reference: string } | undefined;
  /** The output of every stack run, the crashed one included. */
  const logs: string[] = [];

  const client = () =>
    new CaseClient({
      runtime: stack.runtime,
      // Dated by the stack's runtime clock: still valid after the clock moved months on.
      token: (role, org, email) =>
        mintLocalToken({ role: role as 'police', org, ...(email ? { email } : {}), 'data-dir': dataDir }),
    });
  const choices = (key: string, extra: Partial<WalkChoices> = {}): WalkChoices => ({
    referral: { ...demoReferral(), consent: CONSENT },
    planOrgs: PLAN_ORGS,
    officer: OFFICER,
    idempotencyKey: key,
    ...extra,
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-case-'));
    // Fixed ports: the links in the emails must still reach the stack after a restart.
    // Cases are erased at the first retention run after they end (5 years by default): the
    // last test watches the daily run do it.
    env = {
      BASHKE_PORT: String(await freePortBase()),
      BASHKE_CONTEXT: JSON.stringify({ caseRetentionDays: 0 }),
    };
    stack = await RunningStack.start({ dataDir, env });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('walks the happy path to CLOSED, each stage in its own execution', async () => {
    const lines: string[] = [];
    const result = await walkCase(client(), choices('key-case-happy-0001'), (l) => lines.push(l));
    expect(result.status).toBe('CLOSED');
    expect(lines[0]).toMatch(/^caseId: [0-9a-f-]{36}$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'offer accepted',
        'needs assessed',
        'plan made: 2 items',
        'plan review: complete',
        'follow-up 1/3 done',
        'follow-up 2/3 done',
        'follow-up 3/3 done',
        'closure confirmed',
        'closed: CLOSED',
      ]),
    );
    // The closure execution tells everyone after the case reached CLOSED: let it end.
    let names = (await executions()).filter((e) => e.name?.startsWith(result.caseId));
    for (let i = 0; i < 50 && names.some((e) => e.status === 'RUNNING'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      names = (await executions()).filter((e) => e.name?.startsWith(result.caseId));
    }
    expect(names.map((e) => `${e.name?.slice(37)} ${e.status}`).sort()).toEqual(
      [
        ' SUCCEEDED', // the referral workflow is named by the case id alone
        'assessment-1-1 SUCCEEDED',
        'assistance-1-1 SUCCEEDED',
        'follow-up-1-1 SUCCEEDED',
        'follow-up-1-2 SUCCEEDED',
        'follow-up-1-3 SUCCEEDED',
        'closure-1-1 SUCCEEDED',
      ].sort(),
    );
    // The officer and the NGO are told the case closed, once.
    const isClosed = (e: InboxEmail) => new RegExp(`${result.reference} (closed|u mbyll)`).test(e.subject);
    await stack.waitForEmail((e) => isClosed(e) && e.destination.to.includes(OFFICER.email));
    const told = (await stack.inbox()).filter(isClosed).flatMap((e) => e.destination.to);
    expect(told.filter((to) => to === OFFICER.email)).toHaveLength(1);
    expect(told.length).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it("gives a child's case to the municipality's child protection at once, done through its link", async () => {
    const c = client();
    const created = await c.refer(
      {
        ...demoReferral({ ageGroup: 'child' }),
        consent: CONSENT,
        interviewDate: (await c.clockNow()).slice(0, 10),
      },
      OFFICER,
      'key-case-child-0001',
    );
    const task = await c.nextTask(created.reference, ['CHILD_PROTECTION'], { to: CHILD_PROTECTION });
    expect(task.email.destination.to).toEqual([CHILD_PROTECTION]);
    // The offer goes out beside it: child protection does not hold the referral up.
    await c.nextTask(created.reference, ['OFFER']);
    expect(await c.submit(task, [['guardianAppointed', 'yes']])).toBe(200);
    const again = await fetch(task.link, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'guardianAppointed=yes',
    });
    expect(again.status).toBe(410);
  }, 60_000);

  it('escalates an overdue plan item once, resumes after kill -9 mid-case, and keeps every reason private', async () => {
    const lines: string[] = [];
    const walk = choices('key-case-kill-0001', {
      declineFirstOffer: CANARY.decline,
      firstItemNotPossible: CANARY.notPossible,
      leaveLastItemOpen: true,
      rejectFirstClosure: CANARY.reject,
      stopAt: 'assistance',
    });
    const waiting = await walkCase(client(), walk, (l) => lines.push(l));
    expect(waiting.status).toBe('IN_ASSISTANCE');
    expect(lines).toEqual(
      expect.arrayContaining(['offer declined', 'offer accepted', 'plan item 1/2: not possible']),
    );
    const { reference } = waiting;
    reasoned = { caseId: waiting.caseId, reference };

    // The assistance stage's execution waits on the plan review: crash the stack there.
    const assistance = `${waiting.caseId}-assistance-1-1`;
    expect((await executions()).find((e) => e.name === assistance)?.status).toBe('RUNNING');
    logs.push(stack.log);
    await stack.crash();
    stack = await RunningStack.start({ dataDir, env });
    expect((await executions()).find((e) => e.name === assistance)?.status).toBe('RUNNING');

    // The item still open: its link still shows its page.
    const itemMails = (await stack.inbox()).filter(
      (e) => e.subject.includes(reference) && /Plan item|Veprim i planit/.test(e.subject),
    );
    const open: InboxEmail[] = [];
    for (const mail of itemMails) if ((await fetch(actionLink(mail))).status === 200) open.push(mail);
    expect(open).toHaveLength(1);
    const itemOrgFocal = open[0]?.destination.to[0] ?? '';
    const isEscalation = (e: InboxEmail) =>
      e.subject.includes(reference) &&
      /overdue|me vonesë/.test(e.subject) &&
      /Plan item|Veprim i planit/.test(e.subject);
    expect((await stack.inbox()).filter(isEscalation)).toEqual([]);

    // Past its 30-day due: the reminder plan escalates it to the item organisation's focal
    // point after one working day and to the region's coordinator after two. A sweep that
    // catches up tells each of them once; later sweeps do not tell the coordinator again.
    const c = client();
    await c.advanceClock('35d');
    // On into the working day in Tirana, outside quiet hours, whatever the hour the test runs.
    const at = new Date(await c.clockNow());
    const wall = wallClock(at, 'Europe/Tirane');
    let ten = instantAt(wall.date, 10 * 3_600_000, 'Europe/Tirane');
    if (ten.getTime() <= at.getTime()) ten = new Date(ten.getTime() + 86_400_000);
    await c.advanceClock(`${Math.ceil((ten.getTime() - at.getTime()) / 60_000)}m`);
    // A reminder or a digest (the coordinator may hear of several tasks at once) naming the item.
    const namesItem = (e: InboxEmail) =>
      (e.body.text ?? '').includes(reference) &&
      /overdue|me vonesë/.test(e.body.text ?? '') &&
      /Plan item|Veprim i planit/.test(e.body.text ?? '');
    const escalatedTo = async (address: string) =>
      (await stack.inbox()).filter((e) => namesItem(e) && e.destination.to.includes(address));
    for (
      let i = 0;
      i < 120 &&
      ((await escalatedTo(itemOrgFocal)).length === 0 || (await escalatedTo(COORDINATOR)).length === 0);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await escalatedTo(itemOrgFocal)).length).toBeGreaterThanOrEqual(1);
    const toCoordinator = await escalatedTo(COORDINATOR);
    expect(toCoordinator).toHaveLength(1);
    // The organisation's own reminder carries its link; the coordinator's names the task only.
    expect((await escalatedTo(itemOrgFocal))[0]?.body.text).toContain('/actions/');
    expect(toCoordinator[0]?.body.text).not.toContain('/actions/');
    await c.advanceClock('1m');
    await c.advanceClock('1d');
    expect(await escalatedTo(COORDINATOR)).toHaveLength(1);

    // The restarted stack finishes the case: review, three check-ins, closure sent back once.
    const rest: string[] = [];
    const done = await continueCase(c, waiting, { ...walk, stopAt: undefined } as WalkChoices, (l) =>
      rest.push(l),
    );
    expect(done.status).toBe('CLOSED');
    expect(rest).toEqual(
      expect.arrayContaining(['plan review: complete', 'closure sent back', 'closed: CLOSED']),
    );
    expect((await executions()).find((e) => e.name === assistance)?.status).toBe('SUCCEEDED');
    // The item left open is moot once the case closed: cancelled, its link gone, and its
    // organisation told the case closed (by reference only).
    const closedTo = (address: string) => (e: InboxEmail) =>
      new RegExp(`${reference} (closed|u mbyll)`).test(e.subject) && e.destination.to.includes(address);
    await stack.waitForEmail(closedTo(itemOrgFocal));
    expect((await fetch(actionLink(open[0] as InboxEmail))).status).toBe(410);

    // Privacy: no reason typed into a form is in an email, a log line or any execution. Each
    // was taken: it is on its task in the table, where it belongs.
    const table = await tableText();
    for (const canary of Object.values(CANARY)) expect(table).toContain(canary);
    const mails = JSON.stringify(await stack.inbox());
    const history = await everyExecutionText();
    const log = [...logs, stack.log].join('\n');
    for (const canary of Object.values(CANARY)) {
      expect(mails).not.toContain(canary);
      expect(log).not.toContain(canary);
      expect(history).not.toContain(canary);
      // Not even a part of it.
      const tag = canary.split(' ')[0] ?? canary;
      expect(mails + log + history).not.toContain(tag);
    }

    // The audit trail names who read and changed the case, never what anyone typed.
    const audit = await tableText((name) => /-AuditTable/.test(name));
    expect(audit).toContain(waiting.caseId);
    for (const canary of Object.values(CANARY)) expect(audit).not.toContain(canary.split(' ')[0]);
    // The subject-access export holds everything, the reasons too, for the region's coordinator
    // alone; the referring unit is refused without a word of it.
    const exportAs = async (role: string, orgId: string) =>
      fetch(`${stack.runtime.urls.api}/cases/${waiting.caseId}/export`, {
        // Dated by the stack's runtime clock, months on by now (as the client's tokens are).
        headers: {
          Authorization: `Bearer ${await mintLocalToken({ role: role as 'police', org: orgId, 'data-dir': dataDir })}`,
        },
      });
    const exported = await exportAs('coordinator', 'prefecture-korca');
    expect(exported.status).toBe(200);
    const file = await exported.text();
    for (const canary of Object.values(CANARY)) expect(file).toContain(canary);
    expect(JSON.parse(file).audit.length).toBeGreaterThan(10);
    const refused = await exportAs('police', OFFICER.org);
    expect(refused.status).toBe(403);
    const refusal = await refused.text();
    for (const canary of Object.values(CANARY)) expect(refusal).not.toContain(canary.split(' ')[0]);
  }, 300_000);

  it('erases a closed case at the next daily retention run: gone from the API, the table and the timeline; its trail and figures stay', async () => {
    if (!reasoned) throw new Error('the kill test did not get its case');
    const { caseId, reference } = reasoned;
    const as = async (role: string, orgId: string, route: string) =>
      fetch(`${stack.runtime.urls.api}${route}`, {
        headers: {
          Authorization: `Bearer ${await mintLocalToken({ role: role as 'police', org: orgId, 'data-dir': dataDir })}`,
        },
      });
    const coordinator = (route: string) => as('coordinator', 'prefecture-korca', route);
    const year = (await client().clockNow()).slice(0, 4);
    // The yearly figures (overdue tasks are a count of today: an erased case's tasks leave it).
    const stats = async () => {
      const report = (await (await coordinator(`/stats?year=${year}&region=korca`)).json()) as {
        referrals: unknown;
        acceptance: unknown;
      };
      return { referrals: report.referrals, acceptance: report.acceptance };
    };
    expect((await coordinator(`/cases/${caseId}`)).status).toBe(200);
    const figures = await stats();

    // The daily run, a day on the runtime clock (retention 0 days on this stack).
    await client().advanceClock('25h');
    let status = 200;
    for (let i = 0; i < 120 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await coordinator(`/cases/${caseId}`)).status;
    }
    expect(status).toBe(404);
    for (const route of ['', '/timeline', '/export']) {
      expect((await coordinator(`/cases/${caseId}${route}`)).status).toBe(404);
    }
    for (const route of ['', '/timeline']) {
      expect((await as('police', OFFICER.org, `/cases/${caseId}${route}`)).status).toBe(404);
    }
    const listed = (await (await coordinator('/cases?region=korca')).json()) as {
      items: { caseId: string }[];
    };
    expect(listed.items.map((c) => c.caseId)).not.toContain(caseId);
    // The statistics count it as before: the erased figures stay.
    expect(await stats()).toEqual(figures);

    // The trail stays, ids only: the erasure by the system, then the looks refused since.
    const trail = await coordinator(`/cases/${caseId}/audit?limit=100`);
    expect(trail.status).toBe(200);
    const { items } = (await trail.json()) as {
      items: { action: string; actor: { kind: string }; result: string }[];
    };
    const erasure = items.findIndex((e) => e.action === 'Retention');
    expect(items[erasure]).toMatchObject({ actor: { kind: 'system' }, result: 'allowed' });
    expect(items.slice(0, erasure).every((e) => e.result === 'refused' || e.result === 'denied')).toBe(true);
    expect((await as('police', OFFICER.org, `/cases/${caseId}/audit`)).status).toBe(403);

    // The table: nothing of the case but its erased figures and spent due-time items; none of
    // what was typed, no officer, no reference. Left aside: idempotency records and action links
    // past their TTL (DynamoDB removes them; DynamoDB Local does not).
    const now = Date.parse(await client().clockNow()) / 1000;
    const left = (await tableItems((n) => !/-AuditTable/.test(n))).filter(
      (i) => !(/^(IDEMPOTENCY|ACTION)#/.test(String(i.pk)) && Number(i.ttl) < now),
    );
    const naming = left.filter((i) => JSON.stringify(i).includes(caseId));
    expect(naming.map((i) => String(i.pk).replace(/#.*/, '')).filter((k) => k !== 'DUE')).toEqual(['ERASED']);
    const text = JSON.stringify(naming);
    for (const canary of Object.values(CANARY)) expect(text).not.toContain(canary.split(' ')[0]);
    expect(text).not.toContain(OFFICER.email);
    expect(text).not.toContain(reference);

    // The executions' history (kept by the local engine; 90 days after each ends on AWS) held
    // ids and the reference only, never what the case says: nothing to erase there.
    const history = await everyExecutionText();
    expect(history).toContain(caseId);
    for (const field of [
      '"person',
      'riskLevel',
      'nationality',
      OFFICER.email,
      ...Object.values(CANARY).map((c) => c.split(' ')[0] as string),
    ])
      expect(history).not.toContain(field);
  }, 120_000);

  /** Every item of every table (or of those `which` names), values included, as text. */
  async function tableText(which: (name: string) => boolean = () => true): Promise<string> {
    return (await tableItems(which)).map((i) => JSON.stringify(i)).join('\n');
  }

  /** Every item of every table (or of those `which` names). */
  async function tableItems(
    which: (name: string) => boolean = () => true,
  ): Promise<Record<string, unknown>[]> {
    const client = new DynamoDBClient({
      region: 'eu-central-1',
      endpoint: stack.runtime.urls.dynamodb,
      credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
    });
    const doc = DynamoDBDocumentClient.from(client);
    try {
      const items: Record<string, unknown>[] = [];
      for (const TableName of ((await client.send(new ListTablesCommand({}))).TableNames ?? []).filter(
        which,
      )) {
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const out = await doc.send(new ScanCommand({ TableName, ExclusiveStartKey }));
          items.push(...(out.Items ?? []));
          ExclusiveStartKey = out.LastEvaluatedKey;
        } while (ExclusiveStartKey);
      }
      return items;
    } finally {
      client.destroy();
    }
  }

  function sfn(): SFNClient {
    return new SFNClient({
      region: 'eu-central-1',
      endpoint: stack.runtime.urls.stepFunctions,
      credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
    });
  }

  function stateMachineArns(): string[] {
    const template = JSON.parse(
      readFileSync(path.join(dataDir, 'cdk.out', 'BashkeApp.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string }> };
    return Object.keys(template.Resources)
      .filter((k) => template.Resources[k]?.Type === 'AWS::StepFunctions::StateMachine')
      .map((k) => `arn:aws:states:eu-central-1:000000000000:stateMachine:BashkeApp-${k}`);
  }

  /** Every execution of every state machine, through ListExecutions. */
  async function executions() {
    const client = sfn();
    try {
      const out = [];
      for (const stateMachineArn of stateMachineArns()) {
        let nextToken: string | undefined;
        do {
          const page = await client.send(
            new ListExecutionsCommand({ stateMachineArn, nextToken, maxResults: 100 }),
          );
          out.push(...(page.executions ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
      }
      expect(out.length).toBeGreaterThanOrEqual(5);
      return out;
    } finally {
      client.destroy();
    }
  }

  /** Every execution's whole history with its data (inputs, outputs, errors, causes), as text. */
  async function everyExecutionText(): Promise<string> {
    const list = await executions();
    const client = sfn();
    try {
      const parts: string[] = [];
      for (const e of list) {
        const events: HistoryEvent[] = [];
        let nextToken: string | undefined;
        do {
          const page = await client.send(
            new GetExecutionHistoryCommand({
              executionArn: e.executionArn,
              includeExecutionData: true,
              maxResults: 1000,
              nextToken,
            }),
          );
          events.push(...(page.events ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        // Task inputs and outputs are in the history: they carry the answers relayed.
        expect(events.length).toBeGreaterThan(1);
        parts.push(JSON.stringify(events));
      }
      return parts.join('\n');
    } finally {
      client.destroy();
    }
  }
});
