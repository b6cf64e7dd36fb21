import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
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

  async start(input: ReferralWorkflowInput): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.caseId,
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
