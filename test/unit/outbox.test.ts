import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import type { DueItem, OutboxDueItem } from '../../shared/data/records';
import { HeaderInjectionError, type OutgoingEmail } from '../../shared/email/mailer';
import {
  isTransientMailError,
  OUTBOX_BASE_DELAY_MS,
  OUTBOX_MAX_DELAY_MS,
  OutboxMailer,
  outboxAge,
  outboxDelayMs,
  retryOutbox,
} from '../../shared/email/outbox';
import { SesMailer } from '../../shared/email/ses-mailer';

const ses = mockClient(SESClient);
const NOW = new Date('2026-03-03T09:00:00.000Z');
const EMAIL: OutgoingEmail = {
  to: ['focal@vatra.example.org'],
  subject: 'Bashkë: reminder — Needs assessment, case KOR-2026-0042',
  text: 'text',
  html: '<p>html</p>',
  about: { purpose: 'reminder' },
};

/** An SDK service error as the client throws it after its retries. */
function sdkError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(name), {
    name,
    $fault: 'server',
    $metadata: { httpStatusCode, attempts: 3 },
  });
}

function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
}

class FakeStore {
  readonly items: DueItem[] = [];
  answer = true;
  async putDue(item: DueItem): Promise<boolean> {
    this.items.push(item);
    return this.answer;
  }
}

/** The real SES mailer on a mocked client with no retries, so each test decides each answer. */
function sesMailer(): SesMailer {
  return new SesMailer(
    new SESClient({ region: 'eu-central-1', maxAttempts: 1 }),
    'no-reply@example.org',
    'cs',
  );
}

function outbox(store: FakeStore, random = () => 0.5): OutboxMailer {
  return new OutboxMailer(sesMailer(), store, { now: () => NOW, newRef: () => 'outbox-1', random });
}

function queued(overrides: Partial<OutboxDueItem> = {}): OutboxDueItem {
  return {
    type: 'OUTBOX',
    dueAt: NOW.toISOString(),
    ref: 'outbox-1',
    attempt: 1,
    queuedAt: '2026-03-03T08:58:00.000Z',
    email: EMAIL,
    claimedUntil: '2026-03-03T09:01:00.000Z',
    ...overrides,
  };
}

beforeEach(() => {
  ses.reset();
});

describe('OutboxMailer', () => {
  it('passes a sent message through, queuing nothing', async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: 'm-1' });
    const store = new FakeStore();

    expect(await outbox(store).send(EMAIL)).toEqual({ status: 'sent', messageId: 'm-1' });
    expect(store.items).toEqual([]);
  });

  it.each([
    ['throttling', sdkError('Throttling', 400)],
    ['service unavailable', sdkError('ServiceUnavailable', 503)],
    ['a refused connection', connectionRefused()],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('queues the message on %s, due after the first backoff', async (_, error) => {
    ses.on(SendRawEmailCommand).rejects(error);
    const store = new FakeStore();

    const result = await outbox(store, () => 0.999).send(EMAIL);

    expect(result).toEqual({ status: 'queued', outboxRef: 'outbox-1' });
    expect(store.items).toEqual([
      {
        type: 'OUTBOX',
        ref: 'outbox-1',
        attempt: 1,
        queuedAt: NOW.toISOString(),
        dueAt: new Date(NOW.getTime() + OUTBOX_BASE_DELAY_MS).toISOString(),
        email: EMAIL,
      },
    ]);
  });

  it.each([
    ['MessageRejected', sdkError('MessageRejected', 400)],
    ['an invalid address', sdkError('InvalidParameterValue', 400)],
    ['an unverified sender', sdkError('MailFromDomainNotVerifiedException', 400)],
  ])('throws %s and queues nothing', async (name, error) => {
    ses.on(SendRawEmailCommand).rejects(error);
    const store = new FakeStore();

    await expect(outbox(store).send(EMAIL)).rejects.toMatchObject({ name: error.name });
    expect(name).toBeTruthy();
    expect(store.items).toEqual([]);
  });

  it('throws a header injection before anything is sent or queued', async () => {
    const store = new FakeStore();
    await expect(outbox(store).send({ ...EMAIL, subject: 'a\r\nBcc: x@example.org' })).rejects.toThrow(
      HeaderInjectionError,
    );
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(0);
    expect(store.items).toEqual([]);
  });

  it('throws the send error when the store cannot keep the message either', async () => {
    ses.on(SendRawEmailCommand).rejects(sdkError('Throttling', 400));
    const store = { putDue: async () => Promise.reject(new Error('store down')) };
    const mailer = new OutboxMailer(sesMailer(), store, { now: () => NOW });

    await expect(mailer.send(EMAIL)).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('retryOutbox', () => {
  it('answers sent with the message id when the mail service takes it', async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: 'm-2' });

    expect(await retryOutbox({ mailer: sesMailer() }, queued(), NOW)).toEqual({
      result: 'sent',
      messageId: 'm-2',
    });
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(1);
  });

  it('gives a transient failure its next attempt, unclaimed, with a growing delay capped at 30 minutes', async () => {
    ses.on(SendRawEmailCommand).rejects(sdkError('ServiceUnavailable', 503));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const out = await retryOutbox({ mailer: sesMailer() }, queued({ attempt }), NOW, {
        random: () => 0.999,
      });
      if (out.result !== 'again') throw new Error(`expected again, got ${out.result}`);
      expect(out.next).toMatchObject({ type: 'OUTBOX', ref: 'outbox-1', attempt: attempt + 1, email: EMAIL });
      expect(out.next.claimedUntil).toBeUndefined();
      expect(out.next.queuedAt).toBe('2026-03-03T08:58:00.000Z');
      delays.push(Date.parse(out.next.dueAt) - NOW.getTime());
    }
    // 2, 4, 8, 16 minutes (less a sliver of jitter), then the cap.
    expect(delays.map((d) => Math.round(d / 60_000))).toEqual([2, 4, 8, 16, 30, 30, 30, 30]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(OUTBOX_MAX_DELAY_MS);
  });

  it('flags an item queued longer than the threshold as stale', async () => {
    ses.on(SendRawEmailCommand).rejects(connectionRefused());
    const old = queued({ queuedAt: '2026-03-03T08:40:00.000Z' });

    const out = await retryOutbox({ mailer: sesMailer() }, old, NOW);
    expect(out).toMatchObject({ result: 'stale-again', ageMs: 20 * 60_000 });
    expect(await retryOutbox({ mailer: sesMailer() }, old, NOW, { staleAfterMs: 30 * 60_000 })).toMatchObject(
      {
        result: 'again',
      },
    );
  });

  it('answers rejected, with the error name only, on a permanent failure', async () => {
    ses.on(SendRawEmailCommand).rejects(sdkError('MessageRejected', 400));

    expect(await retryOutbox({ mailer: sesMailer() }, queued(), NOW)).toEqual({
      result: 'rejected',
      error: 'MessageRejected',
      ageMs: 2 * 60_000,
    });
  });
});

describe('outbox helpers', () => {
  it('jitters each delay between the base and its exponential ceiling', () => {
    expect(outboxDelayMs(1, { random: () => 0 })).toBe(OUTBOX_BASE_DELAY_MS);
    expect(outboxDelayMs(4, { random: () => 0 })).toBe(OUTBOX_BASE_DELAY_MS);
    expect(outboxDelayMs(4, { random: () => 0.5 })).toBe(4 * 60_000);
    expect(outboxDelayMs(40, { random: () => 0.999999 })).toBeLessThanOrEqual(OUTBOX_MAX_DELAY_MS);
    expect(outboxDelayMs(3, { baseDelayMs: 1_000, maxDelayMs: 3_000, random: () => 0.999 })).toBe(2_997);
  });

  it('measures the age from the first queuing', () => {
    expect(outboxAge({ queuedAt: '2026-03-03T08:45:00.000Z' }, NOW)).toBe(15 * 60_000);
  });

  it('sorts errors into transient and permanent', () => {
    expect(isTransientMailError(sdkError('Throttling', 400))).toBe(true);
    expect(isTransientMailError(sdkError('InternalFailure', 500))).toBe(true);
    expect(isTransientMailError(connectionRefused())).toBe(true);
    expect(isTransientMailError(sdkError('MessageRejected', 400))).toBe(false);
    expect(isTransientMailError(new HeaderInjectionError('x'))).toBe(false);
    expect(isTransientMailError(new TypeError('bug'))).toBe(false);
    expect(isTransientMailError('not an error')).toBe(false);
  });
});
