import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import * as z from 'zod';
import { DynamoStore } from '../data/dynamo-store';
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

export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env): SesMailer {
  const parsed = parseEnv(
    z.object({ [ENV.SENDER_EMAIL]: z.email(), [ENV.SES_CONFIGURATION_SET]: nonEmpty }),
    env,
  );
  return new SesMailer(new SESClient(sdkClientConfig()), parsed.SENDER_EMAIL, parsed.SES_CONFIGURATION_SET);
}
