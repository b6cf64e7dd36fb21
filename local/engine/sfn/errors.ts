/**
 * Errors of the Step Functions API, named as AWS names them. The HTTP server sends them as
 * `{"__type": "com.amazonaws.states#<name>", "message": ...}` with their status, and
 * `@aws-sdk/client-sfn` turns that `__type` into its exception class of the same name.
 * Messages never echo request values other than ARNs and names.
 */

export type SfnErrorName =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'StateMachineDoesNotExist'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'RequestEntityTooLargeException'
  | 'InternalFailure';

export class SfnApiError extends Error {
  constructor(
    readonly type: SfnErrorName,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const apiError = {
  executionAlreadyExists: (arn: string) =>
    new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`),
  executionDoesNotExist: (arn: string) =>
    new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`),
  stateMachineDoesNotExist: (arn: string) =>
    new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`),
  invalidArn: (field: string) =>
    new SfnApiError('InvalidArn', `Invalid Arn: '${field}' is not a valid ARN here`),
  invalidName: () =>
    new SfnApiError(
      'InvalidName',
      'Invalid Name: an execution name has 1 to 80 characters, no whitespace, no control ' +
        'characters and none of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /',
    ),
  invalidExecutionInput: (why: string) =>
    new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: ${why}`),
  invalidOutput: (why: string) => new SfnApiError('InvalidOutput', `Invalid Output: ${why}`),
  invalidToken: () => new SfnApiError('InvalidToken', 'Invalid Token: the task token is malformed'),
  taskDoesNotExist: () => new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist: no task has this token'),
  taskTimedOut: () =>
    new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'"),
  validation: (fields: readonly string[]) =>
    new SfnApiError(
      'ValidationException',
      `${fields.length} validation error(s) detected at: ${fields.join(', ')}`,
    ),
  unknownOperation: (operation: string) =>
    new SfnApiError(
      'UnknownOperationException',
      `the local Step Functions does not implement the operation '${operation}'`,
    ),
};
