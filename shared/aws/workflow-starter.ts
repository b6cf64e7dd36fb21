import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type Stage, type StageInput, stageInputOf } from '../domain/stages';
import type { ReferralWorkflowInput } from '../workflow/task-input';

/**
 * Starts the referral state machine with a deterministic name (the case id) and an input
 * of ids and small facts, never the person. The same name with the same input means it
 * already started.
 */
export class SfnWorkflowStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  /** `name`: the case id for the first offer; a coordinator's assignment starts another. */
  async start(input: ReferralWorkflowInput, name: string = input.caseId): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          // Fixed key order: a replay must send byte for byte the same input.
          input: JSON.stringify({ caseId: input.caseId, reference: input.reference, region: input.region }),
        }),
      );
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }
}

/**
 * Starts case stage executions. The name is deterministic (a repeated start is the same
 * execution); one already started, running or ended, counts as started.
 */
export class SfnStageStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly arns: Readonly<Record<Stage, string>>,
  ) {}

  async start(stage: Stage, name: string, input: StageInput): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.arns[stage],
          name,
          input: JSON.stringify(stageInputOf(input)),
        }),
      );
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }
}
