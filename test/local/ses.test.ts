import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SESClient, SendEmailCommand, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { RuntimeClock } from '../../local/engine/clock/runtime-clock';
import { inboxFilePath, type SesLocal, startSesLocal } from '../../local/engine/services/ses-local';
import { invitePart } from '../../shared/email/invite';
import { buildRawMessage, SesMailer } from '../../shared/email/ses-mailer';
import { fetchRaw, parseInvite } from '../support/raw-mail';

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

/** Runs `use` with an SES client on the emulator at `url`. */
async function withClient<T>(url: string, use: (client: SESClient) => Promise<T>): Promise<T> {
  const client = new SESClient({
    endpoint: url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
  });
  try {
    return await use(client);
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

  it('serves each SendRawEmail message byte for byte at GET /raw?messageId=, across a restart', async () => {
    const dataDir = tempDir();
    let ses = await start(dataDir);
    const calendar = invitePart({
      method: 'REQUEST',
      uid: 'meeting-1@bashke.example',
      sequence: 0,
      dtstamp: new Date('2027-03-01T09:00:00Z'),
      start: new Date('2027-03-29T08:00:00Z'),
      end: new Date('2027-03-29T09:00:00Z'),
      summary: 'Takimi i grupit të bashkëpunimit, Korçë',
      organizer: { name: 'Arta Hoxha', email: 'arta@korce.example' },
      attendees: [{ name: 'Besnik Çela', email: 'besnik@vatra.example' }],
    });
    const invite = Buffer.from(
      await buildRawMessage('no-reply@bashke.example', {
        to: ['besnik@vatra.example'],
        subject: 'Ftesë: Takimi i grupit',
        text: 'Ju ftojmë në takim.',
        html: '<p>Ju ftojmë në takim.</p>',
        calendar,
      }),
    );
    // 8-bit ISO-8859-1 ("ë" is 0xEB): not UTF-8, so only a byte-for-byte copy gives it back.
    const latin1 = Buffer.concat([
      Buffer.from(
        'From: no-reply@bashke.example\r\nTo: a@one.example\r\nSubject: Latin-1\r\nMIME-Version: 1.0\r\n' +
          'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
      ),
      Buffer.from('Bashk\u00eb\r\n', 'latin1'),
    ]);
    const ids = await withClient(ses.url, async (client) => {
      const sent: string[] = [];
      for (const data of [invite, latin1]) {
        const out = await client.send(
          new SendRawEmailCommand({ Destinations: ['besnik@vatra.example'], RawMessage: { Data: data } }),
        );
        sent.push(out.MessageId ?? '');
      }
      return sent;
    });
    const textId = await send(ses.url, 'Not raw');

    for (const restarted of [false, true]) {
      if (restarted) {
        await stop(ses);
        ses = await start(dataDir);
      }
      const res = await fetch(`${ses.url}/raw?messageId=${ids[0]}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('message/rfc822');
      expect(Buffer.from(await res.arrayBuffer()).equals(invite)).toBe(true);
      expect((await fetchRaw(ses.url, ids[1] ?? '')).equals(latin1)).toBe(true);
    }

    // Read as a mail client would: the structure and the calendar part's method= are there.
    const parsed = await parseInvite(await fetchRaw(ses.url, ids[0] ?? ''));
    expect(parsed.tree.contentType).toBe('multipart/mixed');
    expect(parsed.partMethod).toBe('REQUEST');
    expect(parsed.ics).toBe(calendar.ics);
    expect(parsed.event).toMatchObject({ method: 'REQUEST', uid: 'meeting-1@bashke.example', sequence: 0 });
    // The inbox JSON still shows what the emulator parsed from it.
    const inInbox = (await stored(ses.url)).find((e) => e.messageId === ids[0]);
    expect(inInbox).toMatchObject({
      subject: 'Ftesë: Takimi i grupit',
      destination: { to: ['besnik@vatra.example'] },
    });
    expect(inInbox?.body.text?.trim()).toBe('Ju ftojmë në takim.');

    expect((await fetch(`${ses.url}/raw?messageId=no-such-message`)).status).toBe(404);
    expect((await fetch(`${ses.url}/raw?messageId=${textId}`)).status).toBe(404); // SendEmail: no raw MIME
    expect((await fetch(`${ses.url}/raw`)).status).toBe(400);
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
