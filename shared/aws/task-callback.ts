import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';

/** Answers a callback task. A token Step Functions no longer waits for is 'closed', not an error. */
export class SfnTaskCallback {
  constructor(private readonly sfn: SFNClient) {}

  async succeed(sfnTaskToken: string, output: object): Promise<'ok' | 'closed'> {
    try {
      await this.sfn.send(
        new SendTaskSuccessCommand({ taskToken: sfnTaskToken, output: JSON.stringify(output) }),
      );
      return 'ok';
    } catch (error) {
      if (
        error instanceof TaskTimedOut ||
        error instanceof TaskDoesNotExist ||
        error instanceof InvalidToken
      ) {
        return 'closed';
      }
      throw error;
    }
  }

  /**
   * Fails a callback task with an error name its state catches (`TaskCancelled` when a
   * withdrawal cancels it). The cause is a fixed string: history holds no case data.
   */
  async fail(sfnTaskToken: string, error: string, cause: string): Promise<'ok' | 'closed'> {
    try {
      await this.sfn.send(new SendTaskFailureCommand({ taskToken: sfnTaskToken, error, cause }));
      return 'ok';
    } catch (e) {
      if (e instanceof TaskTimedOut || e instanceof TaskDoesNotExist || e instanceof InvalidToken)
        return 'closed';
      throw e;
    }
  }
}
