import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { RuntimeClock } from '../../local/engine/clock/runtime-clock';
import { inboxFilePath, type SesLocal, startSesLocal } from '../../local/engine/services/ses-local';
import { SesMailer } from '../../shared/email/ses-mailer';

interface StoredEmail {
  messageId: string;
  subject: string;
  at: number;
  destination: { to: string[]; cc?: string[]; bcc?: string[] };
  body: { text?: string };
}

const dirs: string[] = [];
const running: SesLocal[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bashke-ses-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string, port = 0): Promise<SesLocal> {
  const ses = await startSesLocal({ port, dataDir });
  running.push(ses);
  return ses;
}

async function stop(ses: SesLocal): Promise<void> {
  running.splice(running.indexOf(ses), 1);
  await ses.stop();
}

async function send(
  url: string,
  subject: string,
  destination: { ToAddresses: string[]; CcAddresses?: string[]; BccAddresses?: string[] } = {
    ToAddresses: ['ngo@ngo-vatra.example'],
  },
): Promise<string> {
  const client = new SESClient({
    endpoint: url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
  });
  try {
    const out = await client.send(
      new SendEmailCommand({
        Source: 'no-reply@bashke.example',
        Destination: destination,
        Message: { Subject: { Data: subject }, Body: { Text: { Data: `body of ${subject}` } } },
      }),
    );
    if (!out.MessageId) throw new Error('no MessageId');
    return out.MessageId;
  } finally {
    client.destroy();
  }
}

async function stored(url: string): Promise<StoredEmail[]> {
  const res = await fetch(`${url}/store`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { emails: StoredEmail[] }).emails;
}

describe('SES local with a durable inbox', () => {
  it('keeps sent mail across restarts, without duplicates, on the inbox page and /store', async () => {
    const dataDir = tempDir();
    let ses = await start(dataDir);
    expect(ses.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await send(ses.url, 'Offer: case 1');
    expect((await stored(ses.url)).map((e) => e.messageId)).toEqual([first]);

    await stop(ses);
    ses = await start(dataDir);
    const afterOne = await stored(ses.url);
    expect(afterOne).toHaveLength(1);
    expect(afterOne[0]).toMatchObject({
      messageId: first,
      subject: 'Offer: case 1',
      destination: { to: ['ngo@ngo-vatra.example'] },
      body: { text: 'body of Offer: case 1' },
    });
    const page = await fetch(`${ses.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/\/store\?since=/); // the page lists what /store returns

    const second = await send(ses.url, 'Offer: case 2');
    await stop(ses);
    ses = await start(dataDir);
    await stop(ses);
    ses = await start(dataDir);
    expect((await stored(ses.url)).map((e) => e.messageId)).toEqual([first, second]);
    expect(readFileSync(inboxFilePath(dataDir), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('keeps every address of a message to several people (SendEmail, SES v1)', async () => {
    const dataDir = tempDir();
    let ses = await start(dataDir);
    const to = ['a@one.example', 'b@two.example', 'c@three.example'];
    await send(ses.url, 'To three', { ToAddresses: to, CcAddresses: ['d@four.example'], BccAddresses: [] });
    const [email] = await stored(ses.url);
    expect(email?.destination).toEqual({ to, cc: ['d@four.example'], bcc: [] });
    await stop(ses);
    ses = await start(dataDir);
    expect((await stored(ses.url))[0]?.destination.to).toEqual(to);
  });

  it('keeps a raw MIME message (SendRawEmail, what SesMailer sends) with every address, subject and body', async () => {
    const ses = await start(tempDir());
    const client = new SESClient({
      endpoint: ses.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
    });
    const to = ['a@one.example', 'b@two.example'];
    const subject = 'Bashkë: kujtesë — Vlerësimi i nevojave, rasti KOR-2026-0042';
    try {
      const sent = await new SesMailer(client, 'no-reply@bashke.example', 'local').send({
        to,
        subject,
        text: 'Çdo detyrë ka një afat.',
        html: '<p>Çdo detyrë ka një afat.</p>',
        about: { purpose: 'reminder' },
      });
      expect(sent).toMatchObject({ status: 'sent' });
    } finally {
      client.destroy();
    }
    const [email] = (await stored(ses.url)) as (StoredEmail & { body: { html?: string } })[];
    expect(email).toMatchObject({ subject, destination: { to, cc: [], bcc: [] } });
    expect(email?.body.text?.trim()).toBe('Çdo detyrë ka një afat.');
    expect(email?.body.html).toContain('<p>Çdo detyrë ka një afat.</p>');
  });

  it('dates mail by the runtime clock', async () => {
    const dataDir = tempDir();
    const ses = await start(dataDir);
    await RuntimeClock.open(dataDir).advance(25 * 3_600_000);
    await send(ses.url, 'Reminder');
    const [email] = await stored(ses.url);
    expect(Math.abs((email?.at ?? 0) * 1000 - (Date.now() + 25 * 3_600_000))).toBeLessThan(5_000);
  });

  it('drops a torn last line at start, and clearing the inbox empties the file', async () => {
    const dataDir = tempDir();
    let ses = await start(dataDir);
    const kept = await send(ses.url, 'Kept');
    await stop(ses);
    appendFileSync(inboxFilePath(dataDir), '{"messageId":"ses-1","subj'); // a crash mid-append

    ses = await start(dataDir);
    expect((await stored(ses.url)).map((e) => e.messageId)).toEqual([kept]);
    const next = await send(ses.url, 'Next');
    await stop(ses);
    ses = await start(dataDir);
    expect((await stored(ses.url)).map((e) => e.messageId)).toEqual([kept, next]);

    expect((await fetch(`${ses.url}/clear-store`, { method: 'POST' })).status).toBe(200);
    expect(await stored(ses.url)).toEqual([]);
    await stop(ses);
    ses = await start(dataDir);
    expect(await stored(ses.url)).toEqual([]);
  });

  it('fails clearly when its port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startSesLocal({ port, dataDir: tempDir() })).rejects.toThrow(
        new RegExp(`exited during start-up \\(code 1\\): cannot listen on 127\\.0\\.0\\.1:${port}`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('ends with its parent: the host exits when its stdin closes', async () => {
    const dataDir = tempDir();
    const host = spawn(
      process.execPath,
      [
        path.join(__dirname, '..', '..', 'local', 'engine', 'services', 'ses-host.cjs'),
        '--port',
        '0',
        '--inbox',
        inboxFilePath(dataDir),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => host.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      host.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ses-host: ready')) resolve();
      });
    });
    host.stdin.end();
    expect(await exited).toBe(0);
  });
});
