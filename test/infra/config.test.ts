import { Stack } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app';
import { ConfigurationError, deadlineEnvironment, parseDeploymentConfig } from '../../infra/config';
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
/** An app like the CLI's, with the given `bashke` context, without bundling (no code is looked at). */
function appWith(bashke: unknown) {
  const outdir = tempOutdir('config');
  outdirs.push(outdir);
  return newApp({ outdir, bundle: false, context: { bashke } });
}

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
});
