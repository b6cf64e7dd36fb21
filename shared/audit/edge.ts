import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../util/logger';
import { EmfMetrics } from '../util/metrics';
import {
  type AuditActor,
  type AuditChannel,
  type AuditLog,
  auditEntries,
  inAuditScope,
  resultOf,
} from './audit';

export interface AuditedRequest {
  readonly audit: AuditLog;
  readonly channel: AuditChannel;
  /** The route key or page route: never the raw path (an action token is a path segment). */
  readonly action: string;
  readonly requestId: string;
  /**
   * A read hands out data: when its record cannot be written the caller gets `unavailable()`
   * instead (no data without its record). A write has happened by then; its answer stands
   * and the failure is logged and counted (`AuditWriteFailed`, alarmed).
   */
  readonly read: boolean;
  readonly unavailable: () => APIGatewayProxyStructuredResultV2;
  readonly actor?: AuditActor;
  /**
   * Write nothing when the request named no one and touched nothing (the console's pages
   * without a session, sent to sign-in). The API records those: its callers carry a token.
   */
  readonly skipUnnamed?: boolean;
}

/**
 * Where a record that could not be written is counted (`AuditWriteFailed`, alarmed): written
 * at once, as the failure is the exception and the request's own metrics may be flushed already.
 */
const failures = new EmfMetrics();

/**
 * Runs one HTTP request in an audit scope and writes its records before the answer goes:
 * one per subject the request noted, with the result its status gives. An error that escaped
 * the edge's own mapping is recorded as failed and rethrown.
 */
export async function auditedRequest(
  request: AuditedRequest,
  work: () => Promise<APIGatewayProxyStructuredResultV2>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { outcome, actor, subjects } = await inAuditScope(work, request.actor);
  const status = outcome.status === 'fulfilled' ? (outcome.value.statusCode ?? 200) : 500;
  if (request.skipUnnamed && actor.kind === 'unknown' && subjects.length === 0) {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  }
  const entries = auditEntries(
    {
      at: new Date().toISOString(),
      requestId: request.requestId,
      channel: request.channel,
      action: request.action,
      result: resultOf(status),
      status,
    },
    actor,
    subjects,
  );
  try {
    await request.audit.record(entries);
  } catch (error) {
    logger.error('audit write failed', {
      error: error instanceof Error ? error.name : typeof error,
      channel: request.channel,
      records: entries.length,
    });
    failures.add('AuditWriteFailed', entries.length);
    failures.flush();
    if (request.read && outcome.status === 'fulfilled') return request.unavailable();
  }
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}
