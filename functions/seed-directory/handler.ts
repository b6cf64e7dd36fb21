import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { DynamoStore } from '../../shared/data/dynamo-store';
import { ValidationError } from '../../shared/errors';
import { ENV, nonEmpty, parseEnv } from '../../shared/util/env';
import { logger } from '../../shared/util/logger';
import { seedDirectory } from './seed-directory';

const env = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }));
const store = new DynamoStore(new DynamoDBClient({}), env.TABLE_NAME);

/** Invoked by ops (and the local runtime) with the directory JSON as the event. */
export const handler = async (event: unknown) => {
  try {
    const result = await seedDirectory({ store }, event);
    logger.info('directory seeded', { ...result });
    return result;
  } catch (error) {
    // Paths and codes only: the directory is not secret, but the habit is the same everywhere.
    if (error instanceof ValidationError)
      throw new Error(`invalid directory: ${JSON.stringify(error.issues)}`);
    throw error;
  }
};
