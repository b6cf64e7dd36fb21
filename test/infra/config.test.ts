import { Stack } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app';
import { ConfigurationError, parseDeploymentConfig } from '../../infra/config';
import { cdkJsonContext, newApp, removeOutdir, tempOutdir } from '../support/infra-synth';

const VALID = { region: 'eu-central-1', senderEmail: 'no-reply@bashke.example.org', logRetentionDays: 365 };

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
    for (const key of ['region', 'senderEmail', 'logRetentionDays'])
      expect(error.message).toContain(`bashke.${key}`);
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

  it('applies the defaults: Europe/Tirane, a 24-hour offer deadline and 30 days of interview age', () => {
    expect(parseDeploymentConfig(VALID)).toEqual({
      ...VALID,
      timeZone: 'Europe/Tirane',
      offerDeadlineHours: 24,
      interviewMaxAgeDays: 30,
    });
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
