/**
 * State names of the referral workflow. The definition and the tests use these; the local
 * runtime learns names only from the ASL in cdk.out.
 */
export const ReferralState = {
  INIT: 'Init',
  CHILD_PROTECTION: 'NotifyChildProtection',
  PREPARE_OFFER: 'PrepareOffer',
  NGO_FOUND: 'NgoFound',
  OFFER_TO_NGO: 'OfferToNgo',
  DECISION: 'Decision',
  ACCEPT_CASE: 'AcceptCase',
  SCHEDULE_ASSESSMENT: 'ScheduleAssessment',
  ACCEPTED: 'Accepted',
  ENDED: 'CaseEnded',
  CLOSE_DECLINED: 'CloseDeclinedOffer',
  CLOSE_TIMED_OUT: 'CloseTimedOutOffer',
  MARK_UNASSIGNED: 'MarkUnassigned',
  NO_NGO: 'NoNgo',
  FAILED: 'ReferralFailed',
} as const;

/** The execution's output when no NGO is left. */
export const NO_NGO_OUTPUT = { outcome: 'NO_NGO' } as const;
export const ACCEPTED_OUTPUT = { outcome: 'ACCEPTED' } as const;
/** The execution's output when the case was withdrawn or ended while it ran. */
export const ENDED_OUTPUT = { outcome: 'CASE_ENDED' } as const;

/**
 * Our steps' own transient failures: an SDK call that timed out or was throttled after the
 * client's retries, a transaction that met another, and a function that died mid-run
 * (`Lambda.Unknown`: killed, out of memory, or the local stack stopped under it). Every step is
 * safe to run twice, so each is retried, a few times: a dependency that stays down still ends in
 * the failure state. Found by `npm run bench -- chaos`: after a kill -9 every interrupted step
 * ran again at once and some timed out, and without this their referrals failed for good.
 */
export const STEP_TRANSIENT_ERRORS = [
  'TimeoutError',
  'Lambda.Unknown',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'TransactionConflictException',
  'RequestLimitExceeded',
] as const;

/** Lambda errors that are the service's, not ours: retried with backoff and full jitter. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;
