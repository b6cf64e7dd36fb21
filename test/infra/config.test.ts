import { Stack } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app';
import {
  ConfigurationError,
  deadlineEnvironment,
  parseDeploymentConfig,
  resolveDeploymentConfig,
} from '../../infra/config';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import { cdkJsonContext, newApp, removeOutdir, tempOutdir } from '../support/infra-synth';

const VALID = {
  region: 'eu-central-1',
  senderEmail: 'no-reply@bashke.example.org',
  signInDomainPrefix: 'bashke-test',
  logRetentionDays: 365,
};

/** The message of what `fn` throws; fails the test when it does not throw. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

let outdirs: string[] = [];
/** An app like the CLI's, with the given context (`bashke` alone, or any), without bundling. */
function appWith(bashke: unknown, context: Record<string, unknown> = { bashke }) {
  const outdir = tempOutdir('config');
  outdirs.push(outdir);
  return newApp({ outdir, bundle: false, context });
}

/** A complete stage: every key a named stage must give. */
const STAGE = {
  region: 'eu-central-1',
  account: '123456789012',
  senderEmail: 'no-reply@bashke.example.org',
  senderDomain: 'bashke.example.org',
  publicBaseUrl: 'https://bashke.example.org',
  coordinatorEmail: 'coordinator@bashke.example.org',
  signInDomainPrefix: 'bashke-test',
  timeZone: 'Europe/Tirane',
  holidayCountry: 'AL',
  offerDeadlineHours: 24,
  deadlines: {},
  logRetentionDays: 365,
};

afterEach(() => {
  for (const dir of outdirs) removeOutdir(dir);
  outdirs = [];
});

describe('deployment configuration', () => {
  it('fails the synth naming every missing and invalid key at once', () => {
    const error = thrown(() => buildApp(appWith({ logRetentionDays: 42 })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('bashke.region');
    expect(error.message).toContain('bashke.senderEmail');
    expect(error.message).toContain('bashke.logRetentionDays');
    // The defaulted keys are not reported as missing.
    expect(error.message).not.toContain('bashke.timeZone');
    expect(error.message).not.toContain('bashke.offerDeadlineHours');
  });

  it('fails when the bashke context is absent, naming the required keys', () => {
    const error = thrown(() => parseDeploymentConfig(undefined));
    expect(error).toBeInstanceOf(ConfigurationError);
    for (const key of ['region', 'senderEmail', 'signInDomainPrefix', 'logRetentionDays'])
      expect(error.message).toContain(`bashke.${key}`);
  });

  it.each([
    ['Bashke', 'upper case'],
    ['-bashke', 'a leading hyphen'],
    ['bashke-', 'a trailing hyphen'],
    ['bashke.korca', 'a dot'],
    ['x'.repeat(64), '64 characters'],
    ['my-cognito-login', 'a word Cognito reserves'],
    ['aws-bashke', 'a word Cognito reserves'],
  ])('refuses the sign-in domain prefix %s (%s)', (signInDomainPrefix) => {
    const error = thrown(() => parseDeploymentConfig({ ...VALID, signInDomainPrefix }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('bashke.signInDomainPrefix:');
  });

  it('accepts a sign-in domain prefix of letters, digits and inner hyphens', () => {
    for (const signInDomainPrefix of ['b', 'bashke-korca-2026', 'x'.repeat(63)])
      expect(parseDeploymentConfig({ ...VALID, signInDomainPrefix }).signInDomainPrefix).toBe(
        signInDomainPrefix,
      );
  });

  it('rejects unknown keys, wrong types and values out of range, each by name', () => {
    const error = thrown(() =>
      parseDeploymentConfig({
        ...VALID,
        regoin: 'eu-west-1',
        account: '12345',
        timeZone: 'Mars/Olympus_Mons',
        offerDeadlineHours: 0,
        interviewMaxAgeDays: '30',
        senderEmail: 'not-an-address',
      }),
    );
    for (const key of [
      '(root)',
      'account',
      'timeZone',
      'offerDeadlineHours',
      'interviewMaxAgeDays',
      'senderEmail',
    ]) {
      expect(error.message).toContain(`bashke.${key}`);
    }
    expect(error.message).not.toContain('bashke.region:');
  });

  it('applies the defaults: Europe/Tirane, a 24-hour offer deadline, 30 days of interview age, Albania, DOMAIN.md deadlines', () => {
    const { OFFER: _offer, ...deadlines } = DEFAULT_DEADLINES;
    expect(parseDeploymentConfig(VALID)).toEqual({
      ...VALID,
      timeZone: 'Europe/Tirane',
      offerDeadlineHours: 24,
      interviewMaxAgeDays: 30,
      caseRetentionDays: 1825,
      holidayCountry: 'AL',
      deadlines,
      reminders: DEFAULT_REMINDERS,
    });
  });

  it('names each bad deadline key and an unknown holiday country', () => {
    const error = thrown(() =>
      parseDeploymentConfig({
        ...VALID,
        holidayCountry: 'Albania',
        deadlines: {
          NEEDS_ASSESSMENT: { amount: 3, unit: 'weekdays' },
          PLAN_ITEM: { amount: 1.5, unit: 'months' },
          followUpMonths: [12, 6],
          stageCeilingDays: 200,
        },
      }),
    );
    for (const key of [
      'holidayCountry',
      'deadlines.NEEDS_ASSESSMENT.unit',
      'deadlines.PLAN_ITEM.amount',
      'deadlines.followUpMonths',
      'deadlines.stageCeilingDays',
    ])
      expect(error.message).toContain(`bashke.${key}:`);
    expect(error.message).not.toContain('bashke.deadlines.CLOSURE_PROPOSAL');
  });

  it('takes the offer deadline from offerDeadlineHours only, and says so to a deadlines.OFFER', () => {
    const error = thrown(() =>
      parseDeploymentConfig({ ...VALID, deadlines: { OFFER: { amount: 48, unit: 'hours' } } }),
    );
    expect(error.message).toContain('bashke.deadlines.OFFER: set offerDeadlineHours instead');
    const config = parseDeploymentConfig({
      ...VALID,
      offerDeadlineHours: 0.003,
      deadlines: { PLAN_ITEM: { amount: 2, unit: 'months' } },
    });
    const env = deadlineEnvironment(config, new Date('2026-06-01T00:00:00Z'));
    expect(JSON.parse(env.DEADLINES)).toMatchObject({
      OFFER: { amount: 0.003, unit: 'hours' },
      PLAN_ITEM: { amount: 2, unit: 'months' },
      NEEDS_ASSESSMENT: { amount: 3, unit: 'working-days' },
    });
  });

  it('passes the holidays of the configured country for six years from the year in the deployment zone', () => {
    // 23:30 UTC on New Year's Eve is already 2027 in Tirana.
    const env = deadlineEnvironment(parseDeploymentConfig(VALID), new Date('2026-12-31T23:30:00Z'));
    const dates = env.HOLIDAYS.split(',');
    // The last is the substitute Monday for Christmas 2032, a Saturday.
    expect([dates[0], dates.at(-1)]).toEqual(['2027-01-01', '2032-12-27']);
    const german = deadlineEnvironment(
      parseDeploymentConfig({ ...VALID, holidayCountry: 'DE' }),
      new Date('2026-06-01T00:00:00Z'),
    );
    expect(german.HOLIDAYS).toContain('2026-10-03');
    expect(german.HOLIDAYS).not.toContain('2026-11-28');
  });

  it('accepts the configuration as a JSON string, as `cdk -c bashke=...` passes it', () => {
    const app = appWith(JSON.stringify({ ...VALID, region: 'eu-west-1', offerDeadlineHours: 48 }));
    const { config, data, compute } = buildApp(app);
    expect(config).toMatchObject({ region: 'eu-west-1', offerDeadlineHours: 48, timeZone: 'Europe/Tirane' });
    expect([Stack.of(data).region, Stack.of(compute).region]).toEqual(['eu-west-1', 'eu-west-1']);
  });

  it('fails on a string that is not JSON', () => {
    const error = thrown(() => parseDeploymentConfig('{region: eu-central-1'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('parses the configuration cdk.json holds', () => {
    expect(() => parseDeploymentConfig(cdkJsonContext().bashke)).not.toThrow();
  });

  it('gives the sender domain, public base URL and coordinator address no default', () => {
    const config = parseDeploymentConfig(VALID);
    expect([config.senderDomain, config.publicBaseUrl, config.coordinatorEmail]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("refuses a sender domain that is not the sender address's, and a public base URL that is not a plain https base", () => {
    const error = thrown(() =>
      parseDeploymentConfig({
        ...VALID,
        senderDomain: 'other.example.org',
        publicBaseUrl: 'http://bashke.example.org/',
      }),
    );
    expect(error.message).toContain(
      'bashke.senderDomain: must be the domain of senderEmail (bashke.example.org)',
    );
    expect(error.message).toContain('bashke.publicBaseUrl:');
    for (const publicBaseUrl of [
      'https://bashke.example.org/',
      'https://bashke.example.org?x=1',
      'not a url',
    ])
      expect(thrown(() => parseDeploymentConfig({ ...VALID, publicBaseUrl })).message).toContain(
        'bashke.publicBaseUrl:',
      );
  });
});

describe('deployment stages', () => {
  const resolve = (stage: string, stages: Record<string, unknown>) =>
    resolveDeploymentConfig({ stage, bashke: VALID, bashkeStages: stages });

  it('takes the bashke object when no stage is given, as before', () => {
    expect(resolveDeploymentConfig({ bashke: VALID, bashkeStages: { prod: STAGE } })).toEqual({
      config: parseDeploymentConfig(VALID),
      stage: undefined,
    });
  });

  it('parses a complete stage, keeping what it gives', () => {
    const { config, stage } = resolve('prod', { prod: STAGE });
    expect(stage).toBe('prod');
    expect(config).toMatchObject({ ...STAGE, deadlines: parseDeploymentConfig(VALID).deadlines });
  });

  it('lists every key a stage leaves out at once, as required, with its path', () => {
    const error = thrown(() => resolve('prod', { prod: { logRetentionDays: 365 } }));
    expect(error).toBeInstanceOf(ConfigurationError);
    for (const key of [
      'region',
      'account',
      'senderEmail',
      'senderDomain',
      'publicBaseUrl',
      'coordinatorEmail',
      'signInDomainPrefix',
      'timeZone',
      'holidayCountry',
      'offerDeadlineHours',
      'deadlines',
    ])
      expect(error.message).toContain(`bashkeStages.prod.${key}: required`);
    // Given, or defaulted in a stage too.
    expect(error.message).not.toContain('logRetentionDays');
    expect(error.message).not.toContain('reminders');
    expect(error.message).not.toContain('interviewMaxAgeDays');
  });

  it('names each invalid key of a stage, the sender domain check among them', () => {
    const error = thrown(() =>
      resolve('dev', {
        dev: {
          ...STAGE,
          account: '42',
          senderDomain: 'elsewhere.example.org',
          timeZone: 'Mars/Base',
          extra: 1,
        },
      }),
    );
    for (const line of [
      'bashkeStages.dev.account: a 12-digit account id',
      'bashkeStages.dev.senderDomain: must be the domain of senderEmail',
      'bashkeStages.dev.timeZone: not an IANA time zone',
      'bashkeStages.dev.(root)',
    ])
      expect(error.message).toContain(line);
  });

  it('fails on an unknown stage, naming the known ones', () => {
    const error = thrown(() => resolve('staging', { dev: STAGE, prod: STAGE }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('unknown stage "staging": the known stages are dev, prod');
  });

  it('selects the stage given with -c stage=<name> in the synth, and fails the synth on a bad one', () => {
    const { config, stage, data } = buildApp(
      appWith(undefined, {
        stage: 'prod',
        bashkeStages: JSON.stringify({ prod: { ...STAGE, region: 'eu-west-1' } }),
      }),
    );
    expect([stage, config.region, Stack.of(data).region, Stack.of(data).account]).toEqual([
      'prod',
      'eu-west-1',
      'eu-west-1',
      '123456789012',
    ]);
    expect(() => buildApp(appWith(undefined, { stage: 'prod', bashkeStages: { prod: {} } }))).toThrow(
      /bashkeStages\.prod\.senderDomain: required/,
    );
  });

  it('parses the dev and prod stages cdk.json holds', () => {
    const stages = cdkJsonContext().bashkeStages as Record<string, unknown>;
    expect(Object.keys(stages)).toEqual(['dev', 'prod']);
    for (const name of ['dev', 'prod'])
      expect(() => resolveDeploymentConfig({ stage: name, bashkeStages: stages })).not.toThrow();
  });
});
