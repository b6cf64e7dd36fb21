import { auditLogFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { workflowStep } from '../../shared/workflow/step-handler';
import { scheduleStage } from './schedule-stage';

const deps = { ...taskClockFromEnv(), store: storeFromEnv() };

/** The last step of a stage: the next stage on the due-time index. */
export const handler = workflowStep('ScheduleStage', (event) => scheduleStage(deps, event), {
  audit: auditLogFromEnv(),
});
