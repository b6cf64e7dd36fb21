import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import * as z from 'zod';
import { DeliveryStore } from '../data/delivery-store';
import { DynamoStore } from '../data/dynamo-store';
import { RecordingMailer } from '../delivery/recording-mailer';
import type { Mailer } from '../email/mailer';
import { SesMailer } from '../email/ses-mailer';
import { ENV, nonEmpty, parseEnv } from '../util/env';
import { sdkClientConfig } from './client-config';

/**
 * Adapters built from a function's environment. Call at module scope: clients are made
 * once per container, and a missing variable fails the cold start, loudly.
 */
export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoStore {
  const { TABLE_NAME } = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }), env);
  return new DynamoStore(new DynamoDBClient(sdkClientConfig()), TABLE_NAME);
}

export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env): Mailer {
  const parsed = parseEnv(
    z.object({ [ENV.SENDER_EMAIL]: z.email(), [ENV.SES_CONFIGURATION_SET]: nonEmpty }),
    env,
  );
  // Every message about a case or a task gets its delivery record (who, never what).
  return new RecordingMailer(
    new SesMailer(new SESClient(sdkClientConfig()), parsed.SENDER_EMAIL, parsed.SES_CONFIGURATION_SET),
    deliveryStoreFromEnv(env),
  );
}

/** The delivery records (messages, task deliveries, unreachable contacts) on the same table. */
export function deliveryStoreFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryStore {
  const { TABLE_NAME } = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }), env);
  return new DeliveryStore(new DynamoDBClient(sdkClientConfig()), TABLE_NAME);
}
