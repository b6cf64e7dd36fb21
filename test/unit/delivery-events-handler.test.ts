import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { keys } from '../../shared/data/keys';
import { deliveryEvent } from '../support/ses-events';

process.env.TABLE_NAME = 'table';
process.env.AUDIT_TABLE_NAME = 'audit';
process.env.TIME_ZONE = 'Europe/Tirane';
process.env.AWS_REGION = 'eu-central-1';
process.env.DEADLINES = '{}';
process.env.HOLIDAYS = '';
process.env.REMINDERS = '{}';
process.env.SENDER_EMAIL = 'bashke@example.org';
process.env.SES_CONFIGURATION_SET = 'bashke-config-set';
process.env.ACTION_BASE_URL = 'https://api.bashke.test';

const ddb = mockClient(DynamoDBDocumentClient);

type Handler = (event: unknown, context: Context) => Promise<{ outcome: string }>;
// Handlers read their environment at load: import after it is set.
const handler = require('../../functions/delivery-events/handler').handler as Handler;
const context = { functionName: 'delivery-events', awsRequestId: 'req-1' } as Context;

beforeEach(() => ddb.reset());

describe('delivery-events handler', () => {
  it('looks the message up by its SES id and answers unknown for a message with no record', async () => {
    ddb.on(GetCommand).resolves({});
    const report = await handler(deliveryEvent('0100018e-example-000000', ['a@example.org']), context);
    expect(report.outcome).toBe('unknown-message');
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual(
      keys.message('0100018e-example-000000'),
    );
  });

  it('drops a malformed event without touching the table (EventBridge would otherwise retry it)', async () => {
    const report = await handler(
      { source: 'aws.ses', 'detail-type': 'Email Delivered', detail: {} },
      context,
    );
    expect(report.outcome).toBe('malformed');
    expect(ddb.calls()).toHaveLength(0);
  });
});
