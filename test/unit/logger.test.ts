import { defaultProvider } from '../../shared/aws/lambda-credentials';
import { JsonLogger } from '../../shared/util/logger';

function capture(env: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  const logger = new JsonLogger({ serviceName: 'bashke', env, write: (line) => lines.push(line) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes one JSON line per call with level, message, service, time and the fields', () => {
    const { logger, lines, parsed } = capture({});
    logger.warn('request failed', { error: 'ValidationError', status: 400 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('}\n')).toBe(true);
    expect(parsed()[0]).toEqual({
      level: 'WARN',
      message: 'request failed',
      service: 'bashke',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      error: 'ValidationError',
      status: 400,
    });
  });

  it('keeps the fixed keys when a field is named like one of them', () => {
    const { logger, parsed } = capture({});
    logger.info('directory seeded', { level: 'ERROR', message: 'forged', service: 'other' });
    expect(parsed()[0]).toMatchObject({ level: 'INFO', message: 'directory seeded', service: 'bashke' });
  });

  it('adds the X-Ray trace root Lambda sets for the invocation', () => {
    const { logger, parsed } = capture({
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    });
    logger.error('action link failed');
    expect(parsed()[0]?.xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
  });

  it('drops lines below LOG_LEVEL, INFO by default, and writes nothing when SILENT', () => {
    const levels = (env: NodeJS.ProcessEnv) => {
      const { logger, parsed } = capture(env);
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
      return parsed().map((l) => l.level);
    };
    expect(levels({})).toEqual(['INFO', 'WARN', 'ERROR']);
    expect(levels({ LOG_LEVEL: 'debug' })).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
    expect(levels({ LOG_LEVEL: 'WARN' })).toEqual(['WARN', 'ERROR']);
    expect(levels({ LOG_LEVEL: 'SILENT' })).toEqual([]);
    expect(levels({ LOG_LEVEL: 'nonsense' })).toEqual(['INFO', 'WARN', 'ERROR']);
  });

  it("follows Lambda's AWS_LAMBDA_LOG_LEVEL when it is the stricter one", () => {
    const { logger, parsed } = capture({ LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'ERROR' });
    logger.warn('w');
    logger.error('e');
    expect(parsed().map((l) => l.level)).toEqual(['ERROR']);
  });

  it('reads the level at every call', () => {
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'SILENT' };
    const { logger, lines } = capture(env);
    logger.error('before');
    env.LOG_LEVEL = 'INFO';
    logger.error('after');
    expect(lines).toHaveLength(1);
  });
});

describe('lambda credentials (the bundles’ stand-in for the SDK default chain)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the credentials Lambda puts in the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_SESSION_TOKEN = 'session';
    process.env.AWS_CREDENTIAL_EXPIRATION = '2026-12-01T12:00:00Z';
    delete process.env.AWS_CREDENTIAL_SCOPE;
    delete process.env.AWS_ACCOUNT_ID;
    await expect(defaultProvider()()).resolves.toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
      expiration: new Date('2026-12-01T12:00:00Z'),
    });
  });

  it('fails the call, naming the variables, when they are missing', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID/);
  });
});
