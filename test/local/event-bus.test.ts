import { LocalEventBridge, targetInput } from '../../local/engine/events/event-bus';
import { startEventsServer } from '../../local/engine/events/events-server';
import type { FunctionInvoker, InvokeResult, LocalEventRule } from '../../local/engine/model';

const REGION = 'eu-central-1';
const ACCOUNT = '000000000000';
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:App-Handler`;
const SM = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:App-Flow`;

class RecordingInvoker implements FunctionInvoker {
  readonly calls: Array<{ arn: string; payload: unknown }> = [];
  failures = 0;
  async invoke(arn: string, payload: unknown): Promise<InvokeResult> {
    this.calls.push({ arn, payload });
    if (this.failures > 0) {
      this.failures -= 1;
      return { ok: false, errorType: 'Error', errorMessage: 'boom' };
    }
    return { ok: true, payload: null };
  }
}

const rule = (overrides: Partial<LocalEventRule> = {}): LocalEventRule => ({
  logicalId: 'Referrals',
  stackName: 'App',
  busName: 'default',
  eventPattern: { source: ['bashke.referrals'], 'detail-type': ['Referral Created'] },
  targets: [{ id: 'Target0', arn: FN }],
  ...overrides,
});

const bridges: LocalEventBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

function bridge(
  rules: LocalEventRule[],
  invoker: FunctionInvoker,
  extra: Partial<ConstructorParameters<typeof LocalEventBridge>[0]> = {},
) {
  const b = new LocalEventBridge({
    rules,
    buses: [
      {
        logicalId: 'Bus',
        stackName: 'App',
        name: 'App-Bus',
        arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/App-Bus`,
      },
    ],
    region: REGION,
    accountId: ACCOUNT,
    invoker,
    now: () => new Date('2026-07-15T06:00:00.123Z'),
    retryDelaysMs: [10, 20],
    ...extra,
  });
  bridges.push(b);
  return b;
}

describe('the local EventBridge', () => {
  it('routes a PutEvents entry to the matching rule’s target with the event envelope', async () => {
    const invoker = new RecordingInvoker();
    const b = bridge([rule(), rule({ logicalId: 'Other', eventPattern: { source: ['other'] } })], invoker);
    const out = b.putEvents([
      {
        Source: 'bashke.referrals',
        DetailType: 'Referral Created',
        Detail: '{"caseId":"c1"}',
        Resources: ['arn:x'],
      },
    ]);
    expect(out.FailedEntryCount).toBe(0);
    const [entry] = out.Entries;
    await b.idle();
    expect(invoker.calls).toEqual([
      {
        arn: FN,
        payload: {
          version: '0',
          id: (entry as { EventId: string }).EventId,
          'detail-type': 'Referral Created',
          source: 'bashke.referrals',
          account: ACCOUNT,
          time: '2026-07-15T06:00:00Z',
          region: REGION,
          resources: ['arn:x'],
          detail: { caseId: 'c1' },
        },
      },
    ]);
  });

  it('keeps buses apart: a rule on a bus of the app sees only that bus’s events (by name or ARN)', async () => {
    const invoker = new RecordingInvoker();
    const b = bridge([rule({ busName: 'App-Bus' })], invoker);
    const entry = { Source: 'bashke.referrals', DetailType: 'Referral Created', Detail: '{}' };
    b.putEvents([entry]);
    b.putEvents([{ ...entry, EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/App-Bus` }]);
    b.putEvents([{ ...entry, EventBusName: 'App-Bus' }]);
    await b.idle();
    expect(invoker.calls).toHaveLength(2);
  });

  it('answers each entry as PutEvents does: an id, or an error code for that entry alone', () => {
    const b = bridge([rule()], new RecordingInvoker());
    const out = b.putEvents([
      { Source: 'a', DetailType: 'b', Detail: '{}' },
      { DetailType: 'b', Detail: '{}' },
      { Source: 'a', DetailType: 'b', Detail: 'not json' },
      { Source: 'aws.ses', DetailType: 'b', Detail: '{}' },
      { Source: 'a', DetailType: 'b', Detail: '{}', EventBusName: 'nope' },
    ]);
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
      'ok',
      'InvalidArgument',
      'MalformedDetail',
      'NotAuthorizedForSourceException',
      'ResourceNotFoundException',
    ]);
  });

  it('retries a failing target with backoff, then logs and drops the event without throwing', async () => {
    const invoker = new RecordingInvoker();
    const lines: string[] = [];
    const b = bridge([rule()], invoker, { log: (l) => lines.push(l) });
    invoker.failures = 1;
    b.publish({ source: 'bashke.referrals', detailType: 'Referral Created', detail: {} });
    await b.idle();
    expect(invoker.calls).toHaveLength(2); // failed once, delivered on the first retry

    invoker.failures = 10;
    b.publish({ source: 'bashke.referrals', detailType: 'Referral Created', detail: {} });
    await b.idle();
    expect(invoker.calls).toHaveLength(5); // 1 + 2 retries
    expect(lines.join('\n')).toMatch(/failed 3 time\(s\) \(Error\); dropped/);
  });

  it('delivers to every target independently, state machines included', async () => {
    const invoker = new RecordingInvoker();
    const started: Array<{ arn: string; input: string }> = [];
    const b = bridge(
      [
        rule({
          targets: [
            { id: 'Fn', arn: FN, inputPath: '$.detail' },
            { id: 'Sm', arn: SM, input: '{"fixed":true}' },
          ],
        }),
      ],
      invoker,
      { startExecution: async (arn, input) => void started.push({ arn, input }) },
    );
    invoker.failures = 10;
    b.publish({ source: 'bashke.referrals', detailType: 'Referral Created', detail: { caseId: 'c9' } });
    await b.idle();
    expect(started).toEqual([{ arn: SM, input: '{"fixed":true}' }]);
    expect(invoker.calls.map((c) => c.payload)).toEqual([
      { caseId: 'c9' },
      { caseId: 'c9' },
      { caseId: 'c9' },
    ]);
  });

  it('builds an InputTransformer’s input from its paths and template', () => {
    const event = {
      version: '0' as const,
      id: 'e1',
      'detail-type': 'Email Bounced',
      source: 'aws.ses',
      account: ACCOUNT,
      time: '2026-07-15T06:00:00Z',
      region: REGION,
      resources: [],
      detail: { mail: { messageId: 'm-1' }, bounce: { bouncedRecipients: [{ emailAddress: 'x@y' }] } },
    };
    const input = targetInput(
      {
        id: 't',
        arn: FN,
        inputTransformer: {
          inputPathsMap: { id: '$.detail.mail.messageId', first: '$.detail.bounce.bouncedRecipients[0]' },
          inputTemplate: '{"messageId": <id>, "text": "mail <id> bounced", "recipient": <first>}',
        },
      },
      event,
    );
    expect(input).toEqual({ messageId: 'm-1', text: 'mail m-1 bounced', recipient: { emailAddress: 'x@y' } });
  });
});

describe('the PutEvents endpoint', () => {
  it('speaks AWS JSON 1.1 as @aws-sdk/client-eventbridge does', async () => {
    const invoker = new RecordingInvoker();
    const b = bridge([rule()], invoker);
    const server = await startEventsServer(b);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const call = (target: string, body: unknown) =>
        fetch(`${server.url}/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target },
          body: JSON.stringify(body),
        });
      const res = await call('AWSEvents.PutEvents', {
        Entries: [
          {
            Source: 'bashke.referrals',
            DetailType: 'Referral Created',
            Detail: '{"caseId":"c2"}',
            Time: 1784095200,
          },
        ],
      });
      expect(res.status).toBe(200);
      const out = (await res.json()) as { FailedEntryCount: number; Entries: Array<{ EventId?: string }> };
      expect(out.FailedEntryCount).toBe(0);
      expect(out.Entries[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
      await b.idle();
      expect(invoker.calls[0]?.payload).toMatchObject({
        time: '2026-07-15T06:00:00Z',
        detail: { caseId: 'c2' },
      });

      const tooMany = await call('AWSEvents.PutEvents', { Entries: Array.from({ length: 11 }, () => ({})) });
      expect(tooMany.status).toBe(400);
      expect(await tooMany.json()).toMatchObject({ __type: 'ValidationException' });
      const other = await call('AWSEvents.PutRule', { Name: 'x' });
      expect(await other.json()).toMatchObject({ __type: 'UnknownOperationException' });
    } finally {
      await server.close();
    }
  });
});
