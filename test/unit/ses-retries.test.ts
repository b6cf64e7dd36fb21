import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESClient } from '@aws-sdk/client-ses';
import { MAIL_MAX_ATTEMPTS, sesClientConfig } from '../../shared/aws/client-config';
import { SesMailer } from '../../shared/email/ses-mailer';

/** The SES client's own retries, against a loopback SES that fails the first answers. */

const OK = `<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>m-1</MessageId></SendRawEmailResult></SendRawEmailResponse>`;
const UNAVAILABLE = `<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>try later</Message></Error></ErrorResponse>`;
const REJECTED = `<ErrorResponse><Error><Type>Sender</Type><Code>MessageRejected</Code><Message>no</Message></Error></ErrorResponse>`;

let server: Server;
let url: string;
let answers: { status: number; body: string }[];
let requests: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      const answer = answers.shift() ?? { status: 200, body: OK };
      res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = 0;
  answers = [];
});

function mailer(): { mailer: SesMailer; client: SESClient } {
  const client = new SESClient({
    ...sesClientConfig(),
    endpoint: url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return { mailer: new SesMailer(client, 'no-reply@example.org', 'cs'), client };
}

const EMAIL = { to: ['a@example.org'], subject: 'Bashkë', text: 't', html: '<p>t</p>' };

describe('SES client retries', () => {
  it('retries a service that is unavailable and sends once it answers', async () => {
    answers = [
      { status: 503, body: UNAVAILABLE },
      { status: 503, body: UNAVAILABLE },
    ];
    const { mailer: m, client } = mailer();
    try {
      expect(await m.send(EMAIL)).toEqual({ status: 'sent', messageId: 'm-1' });
    } finally {
      client.destroy();
    }
    expect(requests).toBe(3);
  });

  it(`gives up after ${MAIL_MAX_ATTEMPTS} attempts with the service's error`, async () => {
    answers = Array.from({ length: 5 }, () => ({ status: 503, body: UNAVAILABLE }));
    const { mailer: m, client } = mailer();
    try {
      await expect(m.send(EMAIL)).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    } finally {
      client.destroy();
    }
    expect(requests).toBe(MAIL_MAX_ATTEMPTS);
  });

  it('does not retry a rejected message', async () => {
    answers = [{ status: 400, body: REJECTED }];
    const { mailer: m, client } = mailer();
    try {
      await expect(m.send(EMAIL)).rejects.toMatchObject({ name: 'MessageRejected' });
    } finally {
      client.destroy();
    }
    expect(requests).toBe(1);
  });
});
