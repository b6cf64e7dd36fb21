/** asl-validator 4 ships no types; this is the part the infra tests use. */
declare module 'asl-validator' {
  interface AslValidatorOptions {
    /** Check JSONPath syntax in InputPath/OutputPath/ResultPath. @default true */
    readonly checkPaths?: boolean;
    /** Check that Task `Resource` values are ARNs. @default true */
    readonly checkArn?: boolean;
  }
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: AslValidationError[];
    errorsText(separator?: string): string;
  }
  /** Validates a parsed definition. Note: it writes `QueryLanguage` into each state. */
  function aslValidator(definition: unknown, options?: AslValidatorOptions): AslValidationResult;
  export = aslValidator;
}
