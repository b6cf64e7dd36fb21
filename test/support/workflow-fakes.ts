import {
  assertCalendarMethod,
  assertHeaderSafe,
  type Mailer,
  type OutgoingEmail,
  type SendResult,
} from '../../shared/email/mailer';

/**
 * Recording Mailer for workflow tests. Applies the SES adapter's header and calendar checks (so a
 * message the real adapter would refuse fails here too) and keeps every message in order.
 */
export class RecordingMailer implements Mailer {
  private readonly messages: OutgoingEmail[] = [];

  async send(email: OutgoingEmail): Promise<SendResult> {
    for (const field of [email.subject, ...email.to]) assertHeaderSafe(field);
    if (email.calendar) assertCalendarMethod(email.calendar);
    this.messages.push(structuredClone(email));
    return { status: 'sent', messageId: `fake-${this.messages.length}` };
  }

  /** Every message sent so far, oldest first (copies). */
  get sent(): OutgoingEmail[] {
    return structuredClone(this.messages);
  }

  /** Messages addressed to `address` (among others). */
  to(address: string): OutgoingEmail[] {
    return this.sent.filter((m) => m.to.includes(address));
  }

  /** Every recipient address of every message, one entry per message and address. */
  recipients(): string[] {
    return this.messages.flatMap((m) => [...m.to]);
  }
}

/**
 * A clock that moves on by `stepMs` every time it is read. Store keys hold the instant
 * (events are keyed by `at` and type), so two steps must never see the same time.
 */
export class TickingClock {
  private current: number;

  constructor(
    start: string,
    private readonly stepMs = 1000,
  ) {
    this.current = Date.parse(start);
    if (Number.isNaN(this.current)) throw new Error(`not an instant: ${start}`);
  }

  readonly now = (): Date => {
    const at = new Date(this.current);
    this.current += this.stepMs;
    return at;
  };

  /** Jumps ahead without reading (e.g. past a deadline). */
  advance(ms: number): void {
    this.current += ms;
  }

  /** The instant the next read will return, without moving. */
  peek(): Date {
    return new Date(this.current);
  }
}
