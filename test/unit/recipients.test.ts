import type { OrgRecord } from '../../shared/data/records';
import { byLanguage } from '../../shared/domain/recipients';
import type { Mailer, OutgoingEmail, SendResult } from '../../shared/email/mailer';
import { emailTask } from '../../shared/tasks/task-mail';

describe('byLanguage', () => {
  it('groups by language and time zone, each address once and sorted', () => {
    expect(
      byLanguage([
        { email: 'b@x.org', language: 'sq' },
        { email: 'a@x.org', language: 'sq' },
        { email: 'a@x.org', language: 'sq' },
        { email: 'ny@x.org', language: 'en', timeZone: 'America/New_York' },
        { email: 'en@x.org', language: 'en' },
      ]),
    ).toEqual([
      { language: 'en', to: ['en@x.org'] },
      { language: 'en', timeZone: 'America/New_York', to: ['ny@x.org'] },
      { language: 'sq', to: ['a@x.org', 'b@x.org'] },
    ]);
  });
});

describe('emailTask', () => {
  it('shows each recipient the deadline on their own clock', async () => {
    const sent: OutgoingEmail[] = [];
    const mailer: Mailer = {
      send: async (m): Promise<SendResult> => {
        sent.push(m);
        return { status: 'sent', messageId: 'm' };
      },
    };
    const org: OrgRecord = {
      orgId: 'ngo-a',
      name: 'Org A',
      kind: 'ngo',
      regions: ['korce'],
      services: ['shelter'],
      capacity: 1,
      childProtection: false,
      openOffers: 0,
      contacts: [
        { name: 'Here', email: 'here@a.org', language: 'en', roles: ['focal-point'] },
        {
          name: 'There',
          email: 'there@a.org',
          language: 'en',
          roles: ['focal-point'],
          timeZone: 'America/New_York',
        },
      ],
    };
    await emailTask(
      {
        store: { markEmailed: async () => undefined },
        mailer,
        now: () => new Date('2026-03-02T09:00:00.000Z'),
        calendar: { timeZone: 'Europe/Tirane', holidays: new Set() },
        actionBaseUrl: 'https://bashke.example.org',
      },
      { taskId: 't1', kind: 'NEEDS_ASSESSMENT', orgId: 'ngo-a', caseId: 'c1' },
      org,
      'KOR-2026-0001',
      'a'.repeat(43),
      new Date('2026-03-05T09:00:00.000Z'),
    );
    const text = (to: string) => sent.find((m) => m.to.includes(to))?.text ?? '';
    expect(text('here@a.org')).toContain('2026-03-05 10:00 (UTC+01:00)');
    expect(text('there@a.org')).toContain('2026-03-05 04:00 (UTC-05:00)');
  });
});
