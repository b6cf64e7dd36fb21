import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { acceptCase } from '../../functions/accept-case/accept-case';
import { createReferral } from '../../functions/create-referral/create-referral';
import type { Caller } from '../../shared/auth/caller';
import type { CaseRecord, IdempotencyRecord, OrgRecord, TaskRecord } from '../../shared/data/records';
import type { CreateReferralArgs } from '../../shared/data/store';
import { json, jsonRoute } from '../../shared/http/handler';
import {
  EmfMetrics,
  type FlushableMetrics,
  flushMetricsAfterEach,
  METRICS,
  METRICS_NAMESPACE,
  ORGANISATION_METRICS,
} from '../../shared/util/metrics';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { MemoryAudit } from '../support/audit';
import {
  CASE_ID,
  createReferralArgs,
  directory,
  offerTask,
  referralRequest,
  TASK_ID,
} from '../support/fixtures';
import { RecordingMetrics } from '../support/recording-metrics';
import { RecordingMailer } from '../support/workflow-fakes';

const LOUD = { LOG_LEVEL: 'INFO' };
const SILENT = { LOG_LEVEL: 'SILENT' };

/**
 * Personal data and ids of the fixture case, none of which may reach a metric line: its id
 * and reference, the officer's address, the offer's task id, the contacts' names and addresses.
 */
const fixtureCase = (): CaseRecord => ({
  ...createReferralArgs().caseItem,
  status: 'ACCEPTED',
  acceptedOrgId: 'ngo-different-and-equal',
  acceptedAt: '2026-03-10T15:30:00.000Z',
  officerEmail: 'arben.officer@police.example.org',
});
const CANARIES = [
  CASE_ID,
  fixtureCase().reference,
  'arben.officer@police.example.org',
  TASK_ID,
  ...directory().organisations.flatMap((o) => o.contacts.flatMap((c) => [c.email])),
  'Different and Equal',
];

/** Everything written to stdout and stderr while `act` runs (Powertools writes to both). */
async function captured(act: () => unknown): Promise<{ text: string; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
  }
  try {
    await act();
  } finally {
    jest.restoreAllMocks();
  }
  const text = chunks.join('');
  const lines = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { text, lines };
}

/** A line without its timestamp, the one part two writers never share. */
const untimed = (line: Record<string, unknown>) => {
  const aws = line._aws as { Timestamp: number; CloudWatchMetrics: unknown };
  expect(aws.Timestamp).toEqual(expect.any(Number));
  return { ...line, _aws: { CloudWatchMetrics: aws.CloudWatchMetrics } };
};

const writers: [string, (env: NodeJS.ProcessEnv) => FlushableMetrics][] = [
  ['EmfMetrics', (env) => new EmfMetrics(undefined, env)],
  ['PowertoolsMetrics', (env) => new PowertoolsMetrics({ env })],
];

describe.each(writers)('%s', (_name, make) => {
  it('writes one EMF line: the Bashke namespace, the service dimension, a unit per metric, a list for repeats', async () => {
    const metrics = make(LOUD);
    const { lines } = await captured(() => {
      metrics.add('Referrals', 1);
      metrics.add('EmailsSent', 1);
      metrics.add('EmailsSent', 1);
      metrics.add('TimeToAcceptanceSeconds', 23_400);
      metrics.flush();
    });
    expect(lines.map(untimed)).toEqual([
      {
        _aws: {
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [['service']],
              Metrics: [
                { Name: 'Referrals', Unit: 'Count' },
                { Name: 'EmailsSent', Unit: 'Count' },
                { Name: 'TimeToAcceptanceSeconds', Unit: 'Seconds' },
              ],
            },
          ],
        },
        service: 'bashke',
        Referrals: 1,
        EmailsSent: [1, 1],
        TimeToAcceptanceSeconds: 23_400,
      },
    ]);
  });

  it('writes a line per organisation, with orgId beside service', async () => {
    const metrics = make(LOUD);
    const { lines } = await captured(() => {
      metrics.addForOrganisation('OverdueTasks', 'ngo-vatra', 2);
      metrics.addForOrganisation('OverdueTasks', 'municipality-korce', 1);
      metrics.flush();
    });
    expect(lines.map(untimed)).toEqual(
      [
        ['ngo-vatra', 2],
        ['municipality-korce', 1],
      ].map(([orgId, value]) => ({
        _aws: {
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [['service', 'orgId']],
              Metrics: [{ Name: 'OverdueTasks', Unit: 'Count' }],
            },
          ],
        },
        service: 'bashke',
        orgId,
        OverdueTasks: value,
      })),
    );
  });

  it('writes nothing (not even a warning) when nothing was added, and only once what was', async () => {
    const metrics = make(LOUD);
    const { text } = await captured(() => metrics.flush());
    expect(text).toBe('');
    const twice = await captured(() => {
      metrics.add('Referrals', 1);
      metrics.flush();
      metrics.flush();
    });
    expect(twice.lines).toHaveLength(1);
  });

  it('writes nothing at LOG_LEVEL=SILENT, and forgets what it held', async () => {
    const env: NodeJS.ProcessEnv = { ...SILENT };
    const metrics = make(env);
    const silent = await captured(() => {
      metrics.add('Referrals', 1);
      metrics.addForOrganisation('OverdueTasks', 'ngo-vatra', 1);
      metrics.flush();
    });
    expect(silent.text).toBe('');
    env.LOG_LEVEL = 'INFO';
    const after = await captured(() => metrics.flush());
    expect(after.text).toBe('');
  });
});

describe('the two writers', () => {
  it('write the same lines, but for the timestamp', async () => {
    const record = (metrics: FlushableMetrics) => {
      metrics.add('OutboxStale', 0);
      metrics.add('OutboxOldestAgeSeconds', 12.5);
      metrics.add('RemindersSent', 3);
      metrics.addForOrganisation('OverdueTasks', 'ngo-vatra', 1);
      metrics.flush();
    };
    const house = await captured(() => record(new EmfMetrics(undefined, LOUD)));
    const powertools = await captured(() => record(new PowertoolsMetrics({ env: LOUD })));
    expect(house.lines).toHaveLength(2);
    expect(powertools.lines.map(untimed)).toEqual(house.lines.map(untimed));
  });

  it('name every metric the way the house convention gives its unit', () => {
    for (const name of [...METRICS, ...ORGANISATION_METRICS]) {
      expect(/^[A-Z][A-Za-z]+$/.test(name)).toBe(true);
    }
    expect(METRICS.filter((n) => n.endsWith('Seconds'))).toEqual([
      'TimeToAcceptanceSeconds',
      'OutboxOldestAgeSeconds',
    ]);
  });

  it('refuse a value that is not a finite number', () => {
    expect(() => new EmfMetrics(undefined, LOUD).add('Referrals', Number.NaN)).toThrow(RangeError);
    expect(() => new PowertoolsMetrics({ env: LOUD }).add('Referrals', Number.NaN)).toThrow(RangeError);
    expect(() =>
      new PowertoolsMetrics({ env: LOUD }).addForOrganisation('OverdueTasks', 'ngo-vatra', Number.NaN),
    ).toThrow(RangeError);
  });
});

const context = {
  awsRequestId: 'req-1',
  functionName: 'BashkeApp-AcceptCaseFn',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

describe('flushing in the wiring', () => {
  it('flushes a step’s metrics after it returns, and after it throws (the error unchanged)', async () => {
    const metrics = new PowertoolsMetrics({ env: LOUD });
    let fail = false;
    const handler = workflowStep(
      'AcceptCase',
      async () => {
        metrics.add('TimeToAcceptanceSeconds', 60);
        if (fail) throw new TypeError('boom');
        return { ok: true };
      },
      { metrics },
    );
    const ok = await captured(() => handler({}, context));
    fail = true;
    const failed = await captured(() => expect(handler({}, context)).rejects.toThrow(TypeError));
    for (const { lines } of [ok, failed]) {
      expect(lines.filter((l) => '_aws' in l).map((l) => l.TimeToAcceptanceSeconds)).toEqual([60]);
    }
  });

  it('flushes a route’s metrics after the answer, a problem answer too', async () => {
    const metrics = new EmfMetrics(undefined, LOUD);
    const route = jsonRoute(
      async (event: APIGatewayProxyEventV2) => {
        metrics.add('Referrals', 1);
        if (event.routeKey === 'bad') throw new TypeError('boom');
        return json(201, {});
      },
      new MemoryAudit(),
      { metrics },
    );
    const request = (routeKey: string) =>
      ({
        routeKey,
        headers: {},
        requestContext: { http: { method: 'POST' } },
      }) as unknown as APIGatewayProxyEventV2;
    const ok = await captured(() => route(request('ok'), context));
    const failed = await captured(async () => {
      const res = (await route(request('bad'), context)) as APIGatewayProxyStructuredResultV2;
      expect(res.statusCode).toBe(500);
    });
    for (const { lines } of [ok, failed]) {
      expect(lines.filter((l) => '_aws' in l).map((l) => l.Referrals)).toEqual([1]);
    }
  });

  it('logs a flush that fails by its error’s name, and lets the invocation succeed', async () => {
    const warnings: unknown[] = [];
    const broken: FlushableMetrics = {
      add: () => undefined,
      addForOrganisation: () => undefined,
      flush: () => {
        throw new RangeError(`no ${CASE_ID}`);
      },
    };
    const { after } = flushMetricsAfterEach(broken, { warn: (...args) => warnings.push(args) });
    expect(() => after()).not.toThrow();
    expect(warnings).toEqual([['metrics not written', { error: 'RangeError' }]]);
  });
});

describe('what the use cases count', () => {
  const police: Caller = { sub: 'officer-1', orgId: 'police-korce', role: 'police' };
  const orgs = new Map(directory().organisations.map((o) => [o.orgId, { ...o, openOffers: 0 } as OrgRecord]));

  /** The intake's ports in memory: the first transaction writes, any later one finds its record. */
  function referralDeps(metrics: RecordingMetrics) {
    let written: IdempotencyRecord | undefined;
    return {
      store: {
        getRegion: async () => ({ regionId: 'korce', code: 'KOR', name: 'Korçë' }),
        getOrganisation: async (id: string) => orgs.get(id),
        nextCounter: async () => 1,
        getIdempotency: async () => written,
        createReferral: async (args: CreateReferralArgs) => {
          if (written) return 'idempotency-exists' as const;
          written = args.idempotency;
          return 'created' as const;
        },
      },
      workflow: { start: async () => undefined },
      now: () => new Date('2026-03-10T10:00:00.000Z'),
      newId: () => CASE_ID,
      timeZone: 'Europe/Tirane',
      interviewMaxAgeDays: 30,
      metrics,
    };
  }

  it('counts a referral when its case is written, and none for a replay of it', async () => {
    const metrics = new RecordingMetrics();
    const deps = referralDeps(metrics);
    const input = { caller: police, idempotencyKey: 'key-00000001', body: referralRequest() };
    const first = await createReferral(deps, input);
    expect(metrics.added).toEqual([{ name: 'Referrals', value: 1 }]);
    // The same key and body again: the first answer, and no second count.
    expect(await createReferral(deps, input)).toEqual(first);
    expect(metrics.added).toEqual([{ name: 'Referrals', value: 1 }]);
  });

  function acceptDeps(moved: boolean, item: CaseRecord, metrics: FlushableMetrics | RecordingMetrics) {
    const task: TaskRecord = { ...offerTask(), status: 'DONE', result: 'accept' };
    return {
      store: {
        getTask: async () => task,
        acceptCase: async () => moved,
        getCase: async () => item,
        getOrganisation: async (id: string) => orgs.get(id),
        markNotified: async () => undefined,
      },
      mailer: new RecordingMailer(),
      now: () => new Date(item.acceptedAt ?? '2026-03-10T15:30:00.000Z'),
      metrics,
    };
  }
  const acceptInput = { caseId: CASE_ID, taskId: TASK_ID };

  it('records the wait from referral to acceptance once: by the run that moved the case, for its first NGO', async () => {
    const metrics = new RecordingMetrics();
    await acceptCase(acceptDeps(true, fixtureCase(), metrics), acceptInput);
    // 09:00 to 15:30
    expect(metrics.added).toEqual([{ name: 'TimeToAcceptanceSeconds', value: 6.5 * 3600 }]);
    // The same step again (a retry after the write): the case had moved already.
    await acceptCase(acceptDeps(false, fixtureCase(), metrics), acceptInput);
    // A transferred case (cycle 2): its creation is not when it began to wait for this NGO.
    await acceptCase(acceptDeps(true, { ...fixtureCase(), cycle: 2 }, metrics), acceptInput);
    expect(metrics.added).toHaveLength(1);
  });

  it('writes nothing about the case or a person to the metric line', async () => {
    const metrics = new PowertoolsMetrics({ env: LOUD });
    const handler = workflowStep(
      'AcceptCase',
      (event) => acceptCase(acceptDeps(true, fixtureCase(), metrics), event),
      {
        metrics,
      },
    );
    const { text, lines } = await captured(() => handler(acceptInput, context));
    const emf = lines.filter((l) => '_aws' in l);
    expect(emf).toHaveLength(1);
    expect(Object.keys(emf[0] ?? {}).sort()).toEqual(['TimeToAcceptanceSeconds', '_aws', 'service']);
    for (const canary of CANARIES) expect(text).not.toContain(canary);
  });
});
