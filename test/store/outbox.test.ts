import { dueShard } from '../../shared/data/keys';
import type { OutboxDueItem } from '../../shared/data/records';
import { invitePart } from '../../shared/email/invite';
import type { Mailer, OutgoingEmail } from '../../shared/email/mailer';
import { OutboxMailer, retryOutbox } from '../../shared/email/outbox';
import { reminderEmail } from '../../shared/email/templates';
import { dropStoreTables, storeTable } from '../support/store-table';

/** The outbox on DynamoStore and DynamoDB Local: a queued message comes back whole from the due-time index. */

afterEach(dropStoreTables);

const NOW = new Date('2026-03-03T09:00:00.000Z');

/** A mail service that is down: the error the SES client throws after its retries. */
const down: Mailer = {
  send: async () => {
    throw Object.assign(new Error('Service Unavailable'), {
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    });
  },
};

function message(): OutgoingEmail {
  return {
    ...reminderEmail({
      to: ['focal@vatra.example.org', 'worker@vatra.example.org'],
      language: 'sq',
      timeZone: 'Europe/Tirane',
      items: [
        {
          kind: 'NEEDS_ASSESSMENT',
          reference: 'KOR-2026-0042',
          due: NOW,
          link: 'https://api.example.org/actions/t',
          step: 'before',
        },
      ],
    }),
    about: { purpose: 'reminder', caseId: 'case-1', taskIds: ['task-1'] },
    // A calendar invite rides along: it must come back byte for byte to be sent again.
    calendar: invitePart({
      method: 'REQUEST',
      uid: 'meeting-1@bashke.example.org',
      sequence: 3,
      dtstamp: NOW,
      start: new Date('2026-03-10T09:00:00.000Z'),
      end: new Date('2026-03-10T10:00:00.000Z'),
      summary: 'Takimi i grupit të bashkëpunimit; Korçë, salla 2',
      organizer: { name: 'Arta Hoxha', email: 'arta.hoxha@korce.example.gov.al' },
      attendees: [{ name: 'Besnik Çela', email: 'focal.point@vatra.example.org' }],
    }),
  };
}

describe('outbox on the due-time index', () => {
  it('keeps a message the mail service refused and gives it back, whole, when due', async () => {
    const { store } = await storeTable('outbox');
    const email = message();
    const mailer = new OutboxMailer(down, store, {
      now: () => NOW,
      newRef: () => 'outbox-1',
      random: () => 0,
    });

    expect(await mailer.send(email)).toEqual({ status: 'queued', outboxRef: 'outbox-1' });

    expect(await store.listDue(dueShard('outbox-1'), '2026-03-03T09:00:59.000Z', 10)).toEqual([]);
    const [due] = await store.listDue(dueShard('outbox-1'), '2026-03-03T09:01:00.000Z', 10);
    expect(due).toEqual({
      type: 'OUTBOX',
      ref: 'outbox-1',
      dueAt: '2026-03-03T09:01:00.000Z',
      attempt: 1,
      queuedAt: NOW.toISOString(),
      email,
    });

    const sent: OutgoingEmail[] = [];
    const up: Mailer = {
      send: async (e) => {
        sent.push(e);
        return { status: 'sent', messageId: 'm-1' };
      },
    };
    expect(
      await retryOutbox({ mailer: up }, due as OutboxDueItem, new Date('2026-03-03T09:01:00.000Z')),
    ).toEqual({
      result: 'sent',
      messageId: 'm-1',
    });
    expect(sent).toEqual([email]);
  });
});
