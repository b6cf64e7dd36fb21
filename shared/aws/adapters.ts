import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import * as z from 'zod';
import { AuditStore } from '../data/audit-store';
import { DeliveryStore } from '../data/delivery-store';
import { DirectoryStore } from '../data/directory-store';
import { MeetingStore } from '../data/meeting-store';
import { RecordingMailer } from '../delivery/recording-mailer';
import type { Mailer } from '../email/mailer';
import { OutboxMailer, type OutboxStore } from '../email/outbox';
import { SesMailer } from '../email/ses-mailer';
import type { TaskClock } from '../tasks/task-context';
import { ENV, nonEmpty, parseEnv } from '../util/env';
import type { Metrics } from '../util/metrics';
import { sdkClientConfig, sesClientConfig } from './client-config';

/**
 * Adapters built from a function's environment. Call at module scope: clients are made
 * once per container, and a missing variable fails the cold start, loudly.
 */
export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): MeetingStore {
  const { TABLE_NAME } = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }), env);
  return new MeetingStore(new DynamoDBClient(sdkClientConfig()), TABLE_NAME);
}

/** The audit table: records added, and a case's trail read (shared/data/audit-store.ts). */
export function auditLogFromEnv(env: NodeJS.ProcessEnv = process.env): AuditStore {
  const { AUDIT_TABLE_NAME } = parseEnv(z.object({ [ENV.AUDIT_TABLE_NAME]: nonEmpty }), env);
  return new AuditStore(new DynamoDBClient(sdkClientConfig()), AUDIT_TABLE_NAME);
}

/** The directory's administration store (audit history, versions) on the function's table. */
export function directoryStoreFromEnv(env: NodeJS.ProcessEnv = process.env): DirectoryStore {
  const { TABLE_NAME } = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }), env);
  return new DirectoryStore(new DynamoDBClient(sdkClientConfig()), TABLE_NAME);
}

/**
 * The SES mailer itself: the dispatcher's outbox attempts go through it (never to the outbox
 * again). It counts what SES accepts in the function's `metrics` (`EmailsSent`).
 */
export function sesMailerFromEnv(metrics: Metrics, env: NodeJS.ProcessEnv = process.env): SesMailer {
  const parsed = parseEnv(
    z.object({ [ENV.SENDER_EMAIL]: z.email(), [ENV.SES_CONFIGURATION_SET]: nonEmpty }),
    env,
  );
  return new SesMailer(
    new SESClient(sesClientConfig()),
    parsed.SENDER_EMAIL,
    parsed.SES_CONFIGURATION_SET,
    metrics,
  );
}

/**
 * Every function's mailer: SES behind the outbox, each message recorded. A message SES will
 * not take after the client's retries waits on the due-time index for the dispatcher
 * (`retryOutbox`) instead of failing the step that sent it: a task never fails because one
 * email could not go. Every message about a case or a task gets its delivery record (who,
 * never what), queued ones too, so its delivery events find it. `metrics` are the function's,
 * flushed by its wiring: the messages SES accepts count in them (`EmailsSent`).
 */
export function mailerFromEnv(
  store: OutboxStore,
  metrics: Metrics,
  env: NodeJS.ProcessEnv = process.env,
): Mailer {
  return mailPathsFromEnv(store, metrics, env).mailer;
}

/**
 * The dispatcher's two mail paths on one SES client: `mailer` as above, and `direct` (SES,
 * recorded, no outbox) for the outbox's own attempts, whose failure gives the item its next
 * attempt rather than a new item.
 */
export function mailPathsFromEnv(
  store: OutboxStore,
  metrics: Metrics,
  env: NodeJS.ProcessEnv = process.env,
): { readonly mailer: Mailer; readonly direct: Mailer } {
  const ses = sesMailerFromEnv(metrics, env);
  const deliveries = deliveryStoreFromEnv(env);
  return {
    mailer: new RecordingMailer(new OutboxMailer(ses, store), deliveries),
    direct: new RecordingMailer(ses, deliveries),
  };
}

/** The delivery records (messages, task deliveries, unreachable contacts) on the same table. */
export function deliveryStoreFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryStore {
  const { TABLE_NAME } = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }), env);
  return new DeliveryStore(new DynamoDBClient(sdkClientConfig()), TABLE_NAME);
}

/**
 * What the meeting use cases take from a function's environment besides the store and the
 * mailer: the group's zone and the meeting reminders (from the task clock), the public API
 * URL of the invitations' answer links, and the domain of invite UIDs (the sender's).
 */
export function meetingSettingsFromEnv(
  clock: Pick<TaskClock, 'calendar' | 'reminders'>,
  env: NodeJS.ProcessEnv = process.env,
) {
  const parsed = parseEnv(
    z.object({ [ENV.SENDER_EMAIL]: z.email(), [ENV.ACTION_BASE_URL]: z.url({ protocol: /^https?$/ }) }),
    env,
  );
  return {
    timeZone: clock.calendar.timeZone,
    meetingReminders: clock.reminders.meetings,
    claimSeconds: clock.reminders.claimSeconds,
    publicBaseUrl: parsed.ACTION_BASE_URL,
    uidDomain: parsed.SENDER_EMAIL.split('@')[1] as string,
  };
}
