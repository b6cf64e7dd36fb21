import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger. Log ids, names of states and error classes; never request bodies,
 * free text or anything about a person (SECURITY.md).
 */
export const logger = new Logger({ serviceName: 'bashke' });
