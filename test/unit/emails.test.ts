import { TASK_KINDS } from '../../shared/domain/tasks';
import type { OutgoingEmail } from '../../shared/email/mailer';
import { assertHeaderSafe, HeaderInjectionError } from '../../shared/email/mailer';
import { noticeEmail, offerEmail, taskEmail } from '../../shared/email/templates';

/** The email templates on their own; the emails of a whole flow are checked in test/store/emails.test.ts. */
describe('emails', () => {
  it('name the case reference, the deadline with its UTC offset and the link in the offer', async () => {
    const email = offerEmail({
      to: ['a@example.org'],
      language: 'en',
      reference: 'KOR-2026-0042',
      deadline: new Date('2026-07-01T10:00:00.000Z'),
      timeZone: 'Europe/Tirane',
      link: 'https://api.example.org/actions/abc',
    });
    expect(email.subject).toContain('KOR-2026-0042');
    expect(email.text).toContain('2026-07-01 12:00 (UTC+02:00)');
    expect(email.text).toContain('https://api.example.org/actions/abc');
    expect(email.html).toContain('href="https://api.example.org/actions/abc"');
  });

  it('escapes HTML in organisation names', () => {
    const email = noticeEmail({
      to: ['a@example.org'],
      language: 'sq',
      kind: 'accepted',
      reference: 'KOR-2026-0042',
      orgName: '<script>alert(1)</script> & Co',
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
  });

  it('refuses CR/LF in header fields', () => {
    expect(() => assertHeaderSafe('Subject\r\nBcc: x@example.org')).toThrow(HeaderInjectionError);
    expect(() => assertHeaderSafe('plain subject')).not.toThrow();
  });

  it.each(TASK_KINDS.filter((k) => k !== 'OFFER'))(
    'name the reference, the due instant and the link of a %s task',
    (kind) => {
      const email: OutgoingEmail = taskEmail({
        to: ['a@example.org'],
        language: 'en',
        kind,
        reference: 'KOR-2026-0042',
        due: new Date('2026-07-01T10:00:00.000Z'),
        timeZone: 'Europe/Tirane',
        link: 'https://api.example.org/actions/abc',
      });
      expect(email.subject).toContain('KOR-2026-0042');
      expect(email.text).toContain('2026-07-01 12:00 (UTC+02:00)');
      expect(email.text).toContain('https://api.example.org/actions/abc');
      expect(email.html).toContain('href="https://api.example.org/actions/abc"');
    },
  );
});
