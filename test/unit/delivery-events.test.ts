import {
  type DeliveryEventsDeps,
  deliveryEvents,
  MessageNotRecordedYetError,
} from '../../functions/delivery-events/delivery-events';
import { parseSesEvent } from '../../functions/delivery-events/ses-event';
import type {
  RecordMessageArgs,
  RecordStatusArgs,
  RecordStatusResult,
  UnreachableReason,
} from '../../shared/data/delivery-store';
import type {
  ActionLinkRecord,
  CaseEvent,
  CaseRecord,
  OrgRecord,
  TaskRecord,
} from '../../shared/data/records';
import type { Page } from '../../shared/data/store';
import { RecordingMailer } from '../../shared/delivery/recording-mailer';
import { deriveActionToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import type { Contact } from '../../shared/domain/directory';
import { coordinators, focalPoints } from '../../shared/domain/recipients';
import type { Mailer, OutgoingEmail, SendResult } from '../../shared/email/mailer';
import { taskRecipients } from '../../shared/tasks/assignees';
import { JsonLogger } from '../../shared/util/logger';
import { CASE_ID, caseTask, createReferralArgs, offerTask } from '../support/fixtures';
import { RecordingMetrics } from '../support/recording-metrics';
import {
  bounceEvent,
  complaintEvent,
  deliveryEvent,
  openEvent,
  rejectEvent,
  sendEvent,
} from '../support/ses-events';
import { RecordingMailer as FakeSes } from '../support/workflow-fakes';

const NGO = 'ngo-a';
const FOCAL = 'focal@ngo-a.example.org';
const WORKER = 'worker@ngo-a.example.org';
const COORD = 'coord@prefecture.example.org';

const contact = (email: string, roles: Contact['roles'], extra: Partial<Contact> = {}): Contact => ({
  name: email.split('@')[0] as string,
  email,
  language: 'en',
  roles,
  ...extra,
});

function org(orgId: string, contacts: Contact[], regions = ['korce']): OrgRecord {
  return {
    orgId,
    name: `Org ${orgId}`,
    kind: 'ngo',
    regions,
    services: [],
    capacity: 3,
    childProtection: false,
    contacts,
    openOffers: 0,
  };
}

const directory = () => [
  org(NGO, [contact(FOCAL, ['focal-point']), contact(WORKER, ['case-worker'])]),
  org('prefecture', [contact(COORD, ['coordinator'])]),
];

/** The ports the use case needs, in memory; what it wrote is kept for the assertions. */
class Fakes {
  orgs: OrgRecord[] = directory();
  tasks: TaskRecord[] = [];
  readonly events: CaseEvent[] = [];
  readonly links: ActionLinkRecord[] = [];
  readonly statuses: RecordStatusArgs[] = [];
  recordResult: RecordStatusResult = 'changed';
  readonly marked = new Map<string, UnreachableReason>();
  /** The follow-up of each marking: held until, done at. */
  readonly notices = new Map<string, { claimedUntil?: string; noticedAt?: string }>();
  clock = Date.parse('2026-03-10T12:00:00.000Z');
  readonly ses = new FakeSes();
  readonly lines: string[] = [];

  deps(overrides: Partial<DeliveryEventsDeps> = {}): DeliveryEventsDeps {
    return {
      now: () => new Date(this.clock),
      deadlines: DEFAULT_DEADLINES,
      calendar: { timeZone: 'Europe/Tirane', holidays: new Set() },
      actionBaseUrl: 'https://api.bashke.test/',
      mailer: this.ses,
      log: new JsonLogger({
        serviceName: 'test',
        write: (l) => this.lines.push(l),
        env: { LOG_LEVEL: 'DEBUG' },
      }),
      deliveries: {
        recordStatus: async (args) => {
          this.statuses.push(args);
          return this.recordResult;
        },
        markContactUnreachable: async (orgId, email, reason) => {
          const key = `${orgId}/${email.toLowerCase()}`;
          if (this.marked.has(key)) return false;
          this.marked.set(key, reason);
          this.notices.set(key, {});
          return true;
        },
        claimUnreachableNotice: async (orgId, email, now, until) => {
          const notice = this.notices.get(`${orgId}/${email.toLowerCase()}`);
          if (!notice || notice.noticedAt || (notice.claimedUntil && notice.claimedUntil >= now))
            return false;
          notice.claimedUntil = until;
          return true;
        },
        markUnreachableNoticed: async (orgId, email, at) => {
          const notice = this.notices.get(`${orgId}/${email.toLowerCase()}`);
          if (notice && !notice.noticedAt) notice.noticedAt = at;
        },
      },
      store: {
        addTaskLink: async ({ link }) => {
          this.links.push(link);
          return true;
        },
        listOrganisations: async () => this.orgs,
        listOrgTasks: async (orgId, open): Promise<Page<TaskRecord>> => ({
          items: this.tasks.filter((t) => t.orgId === orgId && (t.status === 'OPEN') === open),
        }),
        getCase: async (caseId) =>
          caseId === CASE_ID ? ({ ...createReferralArgs().caseItem } as CaseRecord) : undefined,
        appendEvent: async (event) => {
          this.events.push(event);
        },
      },
      ...overrides,
    };
  }
}

const none = { unreachable: 0, escalated: 0, notified: 0 };

describe('parseSesEvent', () => {
  it('reads the five detail types into a status, the message id and the event’s own instant', () => {
    const cases: [unknown, string, string][] = [
      [sendEvent('m1', [FOCAL]), 'sent', '2026-03-10T10:00:00.000Z'],
      [deliveryEvent('m1', [FOCAL]), 'delivered', '2026-03-10T10:00:03.000Z'],
      [bounceEvent('m1', [FOCAL]), 'bounced', '2026-03-10T10:00:05.000Z'],
      [complaintEvent('m1', [FOCAL]), 'complained', '2026-03-10T11:00:00.000Z'],
      [rejectEvent('m1', [FOCAL]), 'rejected', '2026-03-10T10:00:00.000Z'],
    ];
    for (const [raw, status, at] of cases) {
      const parsed = parseSesEvent(raw);
      expect(parsed).toMatchObject({ kind: 'event', event: { status, messageId: 'm1', at } });
    }
  });

  it('calls only a Permanent bounce and a complaint hard', () => {
    const hard = (raw: unknown) => {
      const p = parseSesEvent(raw);
      return p.kind === 'event' ? p.event.hard : undefined;
    };
    expect(hard(bounceEvent('m', [FOCAL], 'Permanent'))).toBe(true);
    expect(hard(bounceEvent('m', [FOCAL], 'Transient'))).toBe(false);
    expect(hard(bounceEvent('m', [FOCAL], 'Undetermined'))).toBe(false);
    expect(hard(complaintEvent('m', [FOCAL]))).toBe(true);
    expect(hard(deliveryEvent('m', [FOCAL]))).toBe(false);
  });

  it('ignores detail types it does not act on, and names the bad fields of a malformed event without values', () => {
    expect(parseSesEvent(openEvent('m', [FOCAL]))).toEqual({ kind: 'ignored' });
    const broken = bounceEvent('m', [FOCAL]);
    (broken.detail.bounce as Record<string, unknown>).bounceType = 'Sideways';
    const parsed = parseSesEvent(broken);
    expect(parsed).toEqual({
      kind: 'malformed',
      issues: expect.stringContaining('/detail/bounce/bounceType'),
    });
    expect(JSON.stringify(parsed)).not.toContain('Sideways');
    expect(parseSesEvent(null)).toMatchObject({ kind: 'malformed' });
    expect(parseSesEvent({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })).toMatchObject({
      kind: 'malformed',
    });
  });
});

describe('deliveryEvents', () => {
  it('records a delivery and does nothing else', async () => {
    const f = new Fakes();
    expect(await deliveryEvents(f.deps(), deliveryEvent('m1', [FOCAL]))).toEqual({
      outcome: 'recorded',
      ...none,
    });
    expect(f.statuses).toEqual([{ messageId: 'm1', status: 'delivered', at: '2026-03-10T10:00:03.000Z' }]);
    expect(f.ses.sent).toEqual([]);
  });

  it('drops a malformed event with a log line that holds no address, and records nothing', async () => {
    const f = new Fakes();
    const broken = bounceEvent('m1', [WORKER]);
    delete (broken.detail.mail as Record<string, unknown>).messageId;
    expect(await deliveryEvents(f.deps(), broken)).toEqual({ outcome: 'malformed', ...none });
    expect(f.statuses).toEqual([]);
    expect(f.lines).toHaveLength(1);
    expect(f.lines[0]).toContain('malformed SES event dropped');
    expect(f.lines[0]).toContain('/detail/mail/messageId');
    expect(f.lines[0]).not.toContain('@');
  });

  it('ignores an event type it does not act on', async () => {
    const f = new Fakes();
    expect(await deliveryEvents(f.deps(), openEvent('m1', [FOCAL]))).toEqual({ outcome: 'ignored', ...none });
    expect(f.statuses).toEqual([]);
  });

  it('escalates only the open tasks that went to the bounced address', async () => {
    const f = new Fakes();
    const mine = caseTask({ orgId: NGO, sfnTaskToken: 'tok-1' });
    const armed = { ...mine, actionHash: deriveActionToken('tok-1', mine.taskId).hash };
    const named = caseTask({ taskId: 't-named', orgId: NGO, contactEmails: ['Worker@NGO-a.example.org'] });
    const other = caseTask({ taskId: 't-other', orgId: NGO, contactEmails: ['someone@ngo-a.example.org'] });
    const offer = offerTask({ taskId: 't-offer', orgId: NGO }); // went to the focal point
    const done = caseTask({ taskId: 't-done', orgId: NGO, status: 'DONE' });
    f.tasks = [armed, named, other, offer, done];

    const report = await deliveryEvents(f.deps(), bounceEvent('m1', [WORKER]));

    expect(report).toEqual({ outcome: 'recorded', unreachable: 1, escalated: 2, notified: 1 });
    const escalations = f.ses.sent.filter((m) => m.about?.purpose === 'escalation');
    expect(escalations.map((m) => [m.about?.taskIds, m.to])).toEqual([
      [[mine.taskId], [FOCAL]],
      [['t-named'], [FOCAL]],
    ]);
    // The armed link of a waited task; a fresh one for the task whose token is not on it.
    expect(escalations[0]?.text).toContain(
      `https://api.bashke.test/actions/${deriveActionToken('tok-1', mine.taskId).token}`,
    );
    expect(f.links.map((l) => l.taskId)).toEqual(['t-named']);
    expect(f.events.map((e) => [e.type, e.taskId, e.recipients])).toEqual([
      ['TASK_ESCALATED_UNREACHABLE', mine.taskId, [FOCAL]],
      ['TASK_ESCALATED_UNREACHABLE', 't-named', [FOCAL]],
    ]);
    const notice = f.ses.sent.at(-1) as OutgoingEmail;
    expect(notice.to).toEqual([COORD]);
    expect(notice.about).toEqual({ purpose: 'unreachable' });
    expect(notice.text).toContain('2 open tasks were escalated');
    expect(f.ses.to(WORKER)).toEqual([]);
  });

  it('does nothing more when the contact was already unreachable (a repeated event)', async () => {
    const f = new Fakes();
    f.tasks = [caseTask({ orgId: NGO })];
    await deliveryEvents(f.deps(), bounceEvent('m1', [WORKER]));
    const sent = f.ses.sent.length;
    f.recordResult = 'repeat';
    expect(await deliveryEvents(f.deps(), bounceEvent('m1', [WORKER]))).toEqual({
      outcome: 'repeat',
      ...none,
    });
    expect(f.ses.sent).toHaveLength(sent);
  });

  it('counts a bounce once in EmailsBounced: not its repeat, nor a delivery or a complaint', async () => {
    const f = new Fakes();
    const metrics = new RecordingMetrics();
    f.tasks = [caseTask({ orgId: NGO })];
    await deliveryEvents(f.deps({ metrics }), bounceEvent('m1', [WORKER]));
    // A soft bounce counts too (SES's own Bounce metric counts both).
    await deliveryEvents(f.deps({ metrics }), bounceEvent('m2', [FOCAL], 'Transient'));
    await deliveryEvents(f.deps({ metrics }), deliveryEvent('m3', [FOCAL]));
    await deliveryEvents(f.deps({ metrics }), complaintEvent('m4', [FOCAL]));
    f.recordResult = 'repeat';
    await deliveryEvents(f.deps({ metrics }), bounceEvent('m1', [WORKER]));
    expect(metrics.added).toEqual([
      { name: 'EmailsBounced', value: 1 },
      { name: 'EmailsBounced', value: 1 },
    ]);
  });

  it('counts no bounce in a run that fails to have the event delivered again', async () => {
    const f = new Fakes();
    const metrics = new RecordingMetrics();
    f.recordResult = 'unknown';
    const tagged = structuredClone(bounceEvent('m1', [WORKER])) as unknown as {
      detail: { mail: { tags: Record<string, string[]> } };
    };
    tagged.detail.mail.tags.caseId = ['c1'];
    await expect(deliveryEvents(f.deps({ metrics }), tagged)).rejects.toThrow(MessageNotRecordedYetError);
    expect(metrics.added).toEqual([]);
    // Delivered again once the record is there: counted then, once.
    f.recordResult = 'changed';
    await deliveryEvents(f.deps({ metrics }), tagged);
    expect(metrics.values('EmailsBounced')).toEqual([1]);
  });

  it('finishes the follow-up when the event is retried after a run that failed half-way', async () => {
    const f = new Fakes();
    f.tasks = [caseTask({ orgId: NGO })];
    let failNotice = true;
    const flaky: Mailer = {
      send: async (email) => {
        if (email.about?.purpose === 'unreachable' && failNotice) throw new Error('ses throttled');
        return f.ses.send(email);
      },
    };
    await expect(deliveryEvents(f.deps({ mailer: flaky }), bounceEvent('m1', [WORKER]))).rejects.toThrow(
      'ses throttled',
    );
    expect(f.ses.sent.map((m) => m.about?.purpose)).toEqual(['escalation']);
    // A duplicate while the first run still holds the claim does nothing.
    expect(await deliveryEvents(f.deps({ mailer: flaky }), bounceEvent('m1', [WORKER]))).toMatchObject({
      escalated: 0,
      notified: 0,
    });
    // Lambda retries a minute later: the claim lapsed, the follow-up is done (the task again).
    failNotice = false;
    f.clock += 60_000;
    expect(await deliveryEvents(f.deps({ mailer: flaky }), bounceEvent('m1', [WORKER]))).toMatchObject({
      unreachable: 0,
      escalated: 1,
      notified: 1,
    });
    expect(f.ses.sent.map((m) => m.about?.purpose)).toEqual(['escalation', 'escalation', 'unreachable']);
    f.clock += 60_000;
    expect(await deliveryEvents(f.deps({ mailer: flaky }), bounceEvent('m1', [WORKER]))).toMatchObject({
      escalated: 0,
      notified: 0,
    });
  });

  it('skips a contact the directory already holds as unreachable', async () => {
    const f = new Fakes();
    f.orgs = [
      org(NGO, [contact(FOCAL, ['focal-point']), contact(WORKER, ['case-worker'], { reachable: false })]),
      org('prefecture', [contact(COORD, ['coordinator'])]),
    ];
    expect(await deliveryEvents(f.deps(), complaintEvent('m1', [WORKER]))).toEqual({
      outcome: 'recorded',
      ...none,
    });
    expect(f.marked.size).toBe(0);
  });

  it('gives the coordinators the tasks when the focal point is the one unreachable', async () => {
    const f = new Fakes();
    f.tasks = [offerTask({ orgId: NGO })];
    const report = await deliveryEvents(f.deps(), complaintEvent('m1', [FOCAL]));
    expect(report).toEqual({ outcome: 'recorded', unreachable: 1, escalated: 1, notified: 1 });
    expect(f.ses.sent.map((m) => [m.about?.purpose, m.to])).toEqual([
      ['escalation', [COORD]],
      ['unreachable', [COORD]],
    ]);
    expect(f.marked.get(`${NGO}/${FOCAL}`)).toBe('complaint');
  });

  it('marks the address in every organisation that lists it', async () => {
    const f = new Fakes();
    f.orgs = [...directory(), org('ngo-b', [contact(WORKER.toUpperCase(), ['focal-point'])])];
    const report = await deliveryEvents(f.deps(), bounceEvent('m1', [WORKER]));
    expect(report.unreachable).toBe(2);
    expect([...f.marked.keys()].sort()).toEqual([`${NGO}/${WORKER}`, `ngo-b/${WORKER}`]);
  });

  it('logs, and sends nothing, when nobody reachable is left to tell', async () => {
    const f = new Fakes();
    f.orgs = [org(NGO, [contact(FOCAL, ['focal-point', 'coordinator'])])];
    f.tasks = [offerTask({ orgId: NGO })];
    const report = await deliveryEvents(f.deps(), bounceEvent('m1', [FOCAL]));
    expect(report).toEqual({ outcome: 'recorded', unreachable: 1, escalated: 0, notified: 0 });
    expect(f.ses.sent).toEqual([]);
    expect(f.lines.join('\n')).toContain('nobody reachable');
    expect(f.lines.join('\n')).not.toContain('@');
  });

  it('fails, to be delivered again, when a message sent about a case has no record yet', async () => {
    const f = new Fakes();
    f.recordResult = 'unknown';
    const early = deliveryEvent('m1', [FOCAL]);
    // The event as SES sends it for a message tagged with its case (shared/email/ses-mailer.ts).
    const tagged = structuredClone(early) as unknown as {
      detail: { mail: { tags: Record<string, string[]> } };
    };
    tagged.detail.mail.tags.caseId = ['c1'];
    await expect(deliveryEvents(f.deps(), tagged)).rejects.toThrow(MessageNotRecordedYetError);
    // A message about nothing recorded (no case or task tag) has no record to wait for.
    expect(await deliveryEvents(f.deps(), early)).toMatchObject({ outcome: 'unknown-message' });
  });

  it('fails (to be retried) when the store fails', async () => {
    const f = new Fakes();
    const deps = f.deps();
    const failing = {
      ...deps,
      deliveries: {
        ...deps.deliveries,
        recordStatus: async () => {
          throw new Error('throttled');
        },
      },
    };
    await expect(deliveryEvents(failing, deliveryEvent('m1', [FOCAL]))).rejects.toThrow('throttled');
  });
});

describe('recipients skip unreachable contacts', () => {
  const ngo = (worker: Partial<Contact>, focal: Partial<Contact> = {}) =>
    org(NGO, [contact(FOCAL, ['focal-point'], focal), contact(WORKER, ['case-worker'], worker)]);
  const prefecture = org('prefecture', [contact(COORD, ['coordinator'])]);
  const to = (groups: { to: string[] }[]) => groups.flatMap((g) => g.to);

  it('sends a case-team task to the focal points once the case worker is unreachable', () => {
    expect(to(taskRecipients('NEEDS_ASSESSMENT', ngo({})))).toEqual([WORKER]);
    expect(to(taskRecipients('NEEDS_ASSESSMENT', ngo({ reachable: false })))).toEqual([FOCAL]);
  });

  it('falls back to the region’s coordinators when nobody reachable is left', () => {
    const gone = ngo({ reachable: false }, { reachable: false });
    expect(to(taskRecipients('NEEDS_ASSESSMENT', gone, [gone, prefecture]))).toEqual([COORD]);
    expect(to(taskRecipients('OFFER', gone, [gone, prefecture]))).toEqual([COORD]);
    expect(to(taskRecipients('OFFER', gone))).toEqual([]);
    expect(to(focalPoints(gone, [gone, prefecture]))).toEqual([COORD]);
    expect(to(focalPoints(gone))).toEqual([]);
  });

  it('leaves an organisation without contacts in the roles as it was (nobody to email)', () => {
    const bare = org(NGO, [contact(WORKER, ['council-member'])]);
    expect(taskRecipients('OFFER', bare, [bare, prefecture])).toEqual([]);
  });

  it('never lists an unreachable coordinator', () => {
    const gone = org('prefecture', [
      contact(COORD, ['coordinator'], { reachable: false }),
      contact('b@p.org', ['coordinator']),
    ]);
    expect(to(coordinators([gone], 'korce'))).toEqual(['b@p.org']);
  });
});

describe('RecordingMailer', () => {
  const email = (about?: OutgoingEmail['about']): OutgoingEmail => ({
    to: [FOCAL],
    subject: 'Bashkë: Needs assessment — KOR-2026-0001',
    text: 'text',
    html: '<p>html</p>',
    ...(about ? { about } : {}),
  });
  const recorder = () => {
    const calls: RecordMessageArgs[] = [];
    const recordMessage = async (a: RecordMessageArgs) => {
      calls.push(a);
      return true;
    };
    return { calls, recordMessage };
  };
  const now = () => new Date('2026-03-10T10:00:00.000Z');

  it('records who a task message went to, and what it was about, after the send', async () => {
    const r = recorder();
    const mailer = new RecordingMailer(new FakeSes(), r, now);
    const result = await mailer.send(email({ purpose: 'task', caseId: CASE_ID, taskIds: ['t1'] }));
    expect(result).toEqual({ status: 'sent', messageId: 'fake-1' });
    expect(r.calls).toEqual([
      {
        messageId: 'fake-1',
        about: { purpose: 'task', caseId: CASE_ID, taskIds: ['t1'] },
        recipients: [FOCAL],
        status: 'sent',
        at: '2026-03-10T10:00:00.000Z',
      },
    ]);
    expect(JSON.stringify(r.calls)).not.toContain('Needs assessment');
  });

  it('records a queued message under its outbox reference', async () => {
    const r = recorder();
    const queued: Mailer = {
      send: async (): Promise<SendResult> => ({ status: 'queued', outboxRef: 'ob-1' }),
    };
    await new RecordingMailer(queued, r, now).send(email({ purpose: 'notice', caseId: CASE_ID }));
    expect(r.calls.map((c) => [c.messageId, c.status])).toEqual([['outbox#ob-1', 'queued']]);
  });

  it('records nothing for a message about no case or task (a meeting)', async () => {
    const r = recorder();
    const mailer = new RecordingMailer(new FakeSes(), r, now);
    await mailer.send(email({ purpose: 'meeting' }));
    await mailer.send(email());
    expect(r.calls).toEqual([]);
  });

  it('still answers the send when the record fails, and logs it without addresses', async () => {
    const lines: string[] = [];
    const log = new JsonLogger({
      serviceName: 'test',
      write: (l) => lines.push(l),
      env: { LOG_LEVEL: 'DEBUG' },
    });
    const failing = {
      recordMessage: async () => {
        throw Object.assign(new Error(`cannot write ${FOCAL}`), {
          name: 'ProvisionedThroughputExceededException',
        });
      },
    };
    const mailer = new RecordingMailer(new FakeSes(), failing, now, log);
    await expect(mailer.send(email({ purpose: 'task', taskIds: ['t1'] }))).resolves.toEqual({
      status: 'sent',
      messageId: 'fake-1',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ProvisionedThroughputExceededException');
    expect(lines[0]).not.toContain('@');
  });

  it('lets a failed send fail, recording nothing', async () => {
    const r = recorder();
    const down: Mailer = {
      send: async () => {
        throw new Error('ses down');
      },
    };
    await expect(
      new RecordingMailer(down, r, now).send(email({ purpose: 'task', taskIds: ['t1'] })),
    ).rejects.toThrow('ses down');
    expect(r.calls).toEqual([]);
  });
});
