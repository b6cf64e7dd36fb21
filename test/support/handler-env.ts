/**
 * Imported for its effect: the environment the Lambda handler modules read when they load, so
 * a store-tier test can `require` a handler module and drive its route in-process (the
 * adapters it builds at load are never used: the test passes its own). Import it before the
 * `require`s; a test that needs another value sets it after this import.
 */
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';

Object.assign(process.env, {
  TABLE_NAME: 'unused',
  AUDIT_TABLE_NAME: 'audit',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:111111111111:stateMachine:referral',
  ACTION_BASE_URL: 'https://api.example.org',
  SENDER_EMAIL: 'no-reply@example.org',
  SES_CONFIGURATION_SET: 'bashke',
  TIME_ZONE: 'Europe/Tirane',
  DEADLINES: JSON.stringify(DEFAULT_DEADLINES),
  HOLIDAYS: '',
  REMINDERS: '{}',
  INTERVIEW_MAX_AGE_DAYS: '30',
  AWS_REGION: 'eu-central-1',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});
