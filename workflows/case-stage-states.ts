/**
 * State names of the case stage workflows (docs/workflow.md). The definitions and the tests
 * use these; the local runtime learns names only from the ASL in cdk.out.
 */
export const AssessmentState = {
  REFLECTION_REVIEW: 'OpenReflectionReview',
  NEEDS_ASSESSMENT: 'NeedsAssessment',
  ASSISTANCE_PLAN: 'AssistancePlan',
  NOTIFY_PLAN_ITEMS: 'NotifyPlanItems',
  SCHEDULE_ASSISTANCE: 'ScheduleAssistance',
  CONTINUE: 'ContinueAssessment',
  DONE: 'AssessmentDone',
} as const;

export const AssistanceState = {
  PLAN_REVIEW: 'PlanReview',
  NOTIFY_NEW_ITEMS: 'NotifyNewPlanItems',
  REVIEW_RESULT: 'ReviewResult',
  SCHEDULE_NEXT_REVIEW: 'ScheduleNextReview',
  SCHEDULE_FOLLOW_UP: 'ScheduleFollowUp',
  CONTINUE: 'ContinueAssistance',
  DONE: 'AssistanceDone',
} as const;

export const FollowUpState = {
  FOLLOW_UP: 'FollowUpCheckIn',
  MORE: 'MoreCheckIns',
  SCHEDULE_NEXT: 'ScheduleNextCheckIn',
  SCHEDULE_CLOSURE: 'ScheduleClosure',
  CONTINUE: 'ContinueFollowUp',
  DONE: 'FollowUpDone',
} as const;

export const ClosureState = {
  PROPOSAL: 'ClosureProposal',
  CONFIRMATION: 'ClosureConfirmation',
  CONFIRMED: 'Confirmed',
  TELL_CLOSED: 'TellCaseClosed',
  SEND_BACK: 'SendBackToNgo',
  CONTINUE: 'ContinueClosure',
  CLOSED: 'CaseClosed',
} as const;

/** Every stage's shared states. */
export const StageState = {
  ENDED: 'CaseEnded',
  FAILED: 'StageFailed',
} as const;
