import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { SesMailer } from '../../shared/email/ses-mailer';
import {
  caseEndEmail,
  noticeEmail,
  type ReminderLine,
  reminderEmail,
  shortDue,
  taskEmail,
  unreachableEmail,
} from '../../shared/email/templates';

const DUE = new Date('2026-03-03T09:00:00.000Z');
const TO = ['focal@vatra.example.org'];
const LINK = 'https://api.example.org/actions/tok-1';
const ONE: ReminderLine = {
  kind: 'NEEDS_ASSESSMENT',
  reference: 'KOR-2026-0042',
  due: DUE,
  link: LINK,
  step: 'before',
};

/** Five tasks of five cases, each with its own link. */
const FIVE: ReminderLine[] = [1, 2, 3, 4, 5].map((n) => ({
  kind: n % 2 ? 'NEEDS_ASSESSMENT' : 'FOLLOW_UP',
  reference: `KOR-2026-004${n}`,
  due: new Date(DUE.getTime() + n * 86_400_000),
  link: `https://api.example.org/actions/tok-${n}`,
  step: n > 3 ? 'overdue' : 'before',
  ...(n > 3 ? { overdueDays: n - 3 } : {}),
}));

describe('reminderEmail', () => {
  it('names the task, the case and the deadline in the subject and the body, with the link', () => {
    const email = reminderEmail({ to: TO, language: 'en', timeZone: 'Europe/Tirane', items: [ONE] });

    expect(email.subject).toBe('Bashkë: reminder — Needs assessment, case KOR-2026-0042, due 3 March 10:00');
    expect(email.text).toContain(
      'Needs assessment for case KOR-2026-0042 is due by 2026-03-03 10:00 (UTC+01:00).',
    );
    expect(email.text).toContain(`Open the task: ${LINK}`);
    expect(email.html).toContain(`<a href="${LINK}">Open the task</a>`);
    expect(email.about).toEqual({ purpose: 'reminder' });
  });

  it('shows the deadline in the recipient time zone', () => {
    const tirane = reminderEmail({ to: TO, language: 'en', timeZone: 'Europe/Tirane', items: [ONE] });
    const newYork = reminderEmail({ to: TO, language: 'en', timeZone: 'America/New_York', items: [ONE] });

    expect(tirane.subject).toContain('due 3 March 10:00');
    expect(newYork.subject).toContain('due 3 March 04:00');
    expect(tirane.text).toContain('2026-03-03 10:00 (UTC+01:00)');
    expect(newYork.text).toContain('2026-03-03 04:00 (UTC-05:00)');
    expect(shortDue(new Date('2026-12-31T23:30:00.000Z'), 'Europe/Tirane', 'sq')).toBe('1 janar 00:30');
  });

  it('writes the Albanian reminder in Albanian', () => {
    const email = reminderEmail({ to: TO, language: 'sq', timeZone: 'Europe/Tirane', items: [ONE] });

    expect(email.subject).toBe(
      'Bashkë: kujtesë — Vlerësimi i nevojave, rasti KOR-2026-0042, afati 3 mars 10:00',
    );
    expect(email.text).toContain(
      'Vlerësimi i nevojave për rastin KOR-2026-0042 ka afat deri më 2026-03-03 10:00 (UTC+01:00).',
    );
    expect(email.text).toContain(`Hapni detyrën: ${LINK}`);
    expect(email.text).toContain('Për pyetje, kontaktoni koordinatorin e grupit tuaj të bashkëpunimit.');
    expect(email.html).toContain('<html lang="sq">');
  });

  it('says overdue, with the working days, and asks to sign in where there is no link', () => {
    const email = reminderEmail({
      to: TO,
      language: 'en',
      timeZone: 'Europe/Tirane',
      items: [{ ...ONE, step: 'overdue', overdueDays: 2, link: undefined }],
    });

    expect(email.subject).toBe('Bashkë: overdue — Needs assessment, case KOR-2026-0042, due 3 March 10:00');
    expect(email.text).toContain('was due by 2026-03-03 10:00 (UTC+01:00) and is not done yet.');
    expect(email.text).toContain('2 working days overdue.');
    expect(email.text).toContain('Sign in to Bashkë to open the task.');
    expect(email.html).not.toContain('<a ');
  });

  it('names the late organisation in an escalation, says urgent in the subject, and escapes it in HTML', () => {
    const org = '<script>alert(1)</script> & Co';
    const email = reminderEmail({
      to: ['coordinator@prefecture-korca.example.org'],
      language: 'en',
      timeZone: 'Europe/Tirane',
      urgent: true,
      contact: 'coordination@prefecture-korca.example.org',
      items: [
        { ...ONE, step: 'overdue', overdueDays: 3, escalation: { orgName: org, level: 'coordinator' } },
      ],
    });

    expect(email.subject).toBe(
      `Bashkë: URGENT: overdue at ${org} — Needs assessment, case KOR-2026-0042, due 3 March 10:00`,
    );
    expect(email.about).toEqual({ purpose: 'escalation' });
    expect(email.text).toContain(`asked of ${org}, was due by`);
    expect(email.text).toContain(
      "You receive this because you coordinate your region's Bashkë cooperation group.",
    );
    expect(email.text).toContain('Questions? Contact coordination@prefecture-korca.example.org.');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
  });

  it('tells the focal point of the late organisation why they get the escalation, in Albanian', () => {
    const email = reminderEmail({
      to: TO,
      language: 'sq',
      timeZone: 'Europe/Tirane',
      urgent: true,
      items: [
        {
          ...ONE,
          step: 'overdue',
          overdueDays: 1,
          escalation: { orgName: 'Qendra Vatra', level: 'focal-point' },
        },
      ],
    });

    expect(email.subject).toBe(
      'Bashkë: URGJENT: me vonesë pranë Qendra Vatra — Vlerësimi i nevojave, rasti KOR-2026-0042, afati 3 mars 10:00',
    );
    expect(email.text).toContain('1 ditë pune me vonesë.');
    expect(email.text).toContain('jeni pika fokale e organizatës (Qendra Vatra)');
  });

  it.each([
    ['en', 'Bashkë: 5 tasks need your attention', 'Open the task', 'working days overdue'],
    ['sq', 'Bashkë: 5 detyra kërkojnë vëmendjen tuaj', 'Hapni detyrën', 'ditë pune me vonesë'],
  ] as const)(
    'lists a digest of five, each with its case, deadline and link (%s)',
    (language, subject, action, late) => {
      const email = reminderEmail({ to: TO, language, timeZone: 'Europe/Tirane', items: FIVE });

      expect(email.subject).toBe(subject);
      for (const item of FIVE) {
        expect(email.text).toContain(item.reference);
        expect(email.text).toContain(`${action}: ${item.link}`);
        expect(email.html).toContain(`<a href="${item.link}">${action}</a>`);
      }
      expect(email.html.match(/<li>/g)).toHaveLength(5);
      expect(email.text).toContain('2026-03-04 10:00 (UTC+01:00)');
      expect(email.text).toContain(`2 ${late}`);
      expect(email.about).toEqual({ purpose: 'reminder' });
    },
  );

  it('refuses a reminder of nothing', () => {
    expect(() => reminderEmail({ to: TO, language: 'en', timeZone: 'Europe/Tirane', items: [] })).toThrow(
      RangeError,
    );
  });

  it('arrives intact through SES as MIME: Albanian subject, text and HTML', async () => {
    const ses = mockClient(SESClient);
    ses.on(SendRawEmailCommand).resolves({ MessageId: 'm-1' });
    const email = reminderEmail({ to: TO, language: 'sq', timeZone: 'Europe/Tirane', items: [ONE] });
    await new SesMailer(new SESClient({ region: 'eu-central-1' }), 'no-reply@bashke.example.org', 'cs').send(
      email,
    );

    const data = ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input.RawMessage?.Data;
    const parsed = await simpleParser(Buffer.from(data ?? []));
    expect(parsed.subject).toBe(email.subject);
    expect(parsed.text?.trim()).toBe(email.text);
    expect(parsed.html).toBe(email.html);
    expect(ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input.Tags).toEqual([
      { Name: 'purpose', Value: 'reminder' },
    ]);
    ses.restore();
  });
});

describe('unreachableEmail', () => {
  it.each([
    ['en', 'bounce', 'bounced', '3 open tasks were escalated to the focal point of Qendra Vatra.'],
    [
      'en',
      'complaint',
      'as spam (a complaint)',
      '3 open tasks were escalated to the focal point of Qendra Vatra.',
    ],
    ['sq', 'bounce', 'u kthye mbrapsht', '3 detyra të hapura iu kaluan pikës fokale të Qendra Vatra.'],
    [
      'sq',
      'complaint',
      'si të padëshiruar (ankesë)',
      '3 detyra të hapura iu kaluan pikës fokale të Qendra Vatra.',
    ],
  ] as const)(
    'tells the coordinator (%s, %s) what happened and what was escalated',
    (language, reason, said, escalated) => {
      const email = unreachableEmail({
        to: ['coordinator@prefecture-korca.example.org'],
        language,
        orgName: 'Qendra Vatra',
        contactEmail: 'worker@vatra.example.org',
        reason,
        openTasks: 3,
      });

      expect(email.subject).toContain('Qendra Vatra');
      expect(email.text).toContain('worker@vatra.example.org');
      expect(email.text).toContain(said);
      expect(email.text).toContain(escalated);
      expect(email.about).toEqual({ purpose: 'unreachable' });
    },
  );
});

describe('every template', () => {
  const common = { to: TO, timeZone: 'Europe/Tirane', contact: 'coord@example.org' } as const;
  const all = (language: 'en' | 'sq') => [
    taskEmail({ ...common, language, kind: 'OFFER', reference: 'KOR-2026-0042', due: DUE, link: LINK }),
    taskEmail({
      ...common,
      language,
      kind: 'NEEDS_ASSESSMENT',
      reference: 'KOR-2026-0042',
      due: DUE,
      link: LINK,
    }),
    taskEmail({
      ...common,
      language,
      kind: 'CHILD_PROTECTION',
      reference: 'KOR-2026-0042',
      due: DUE,
      link: LINK,
    }),
    reminderEmail({ ...common, language, items: [ONE] }),
  ];

  it.each(['en', 'sq'] as const)(
    'puts the reference and the deadline in the subject and body (%s)',
    (language) => {
      for (const email of all(language)) {
        expect(email.subject).toContain('KOR-2026-0042');
        expect(email.subject).toMatch(/3 (March|mars) 10:00/);
        expect(email.text).toContain('2026-03-03 10:00 (UTC+01:00)');
        expect(email.html).toContain('2026-03-03 10:00 (UTC+01:00)');
      }
    },
  );

  it.each(['en', 'sq'] as const)(
    'says why the recipient gets it and whom to ask, in text and HTML (%s)',
    (language) => {
      const emails = [
        ...all(language),
        noticeEmail({ ...common, language, kind: 'accepted', reference: 'KOR-2026-0042', orgName: 'Org' }),
        caseEndEmail({ ...common, language, kind: 'closed', reference: 'KOR-2026-0042' }),
      ];
      for (const email of emails) {
        expect(email.text).toMatch(/You receive this because|E merrni këtë mesazh sepse/);
        expect(email.html).toMatch(/You receive this because|E merrni këtë mesazh sepse/);
        expect(email.text).toContain('coord@example.org');
      }
    },
  );
});
