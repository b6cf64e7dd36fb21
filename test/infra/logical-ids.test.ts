import { disposeSynth, type SynthesizedBashke, synthBashke } from '../support/infra-synth';

let synth: SynthesizedBashke;

beforeAll(() => {
  synth = synthBashke();
});

afterAll(() => disposeSynth());

/**
 * BashkeApp's stateful and retained resources as the template named them before the stack
 * was split into constructs (captured from `cdk synth` of that commit). A new logical id
 * makes CloudFormation create a new resource: a new, empty user pool, group or log group
 * while the old one is retained, or a new key.
 */
const KEPT: readonly (readonly [logicalId: string, type: string])[] = [
  ['OpsKey802FB888', 'AWS::KMS::Key'],
  ['Mail6A3D1F64', 'AWS::SES::ConfigurationSet'],
  ['Users0A0EEA89', 'AWS::Cognito::UserPool'],
  ['UsersAppClient4F210F50', 'AWS::Cognito::UserPoolClient'],
  ['Grouppolice', 'AWS::Cognito::UserPoolGroup'],
  ['Groupngo', 'AWS::Cognito::UserPoolGroup'],
  ['Groupcouncil', 'AWS::Cognito::UserPoolGroup'],
  ['Groupcoordinator', 'AWS::Cognito::UserPoolGroup'],
  ['Groupadmin', 'AWS::Cognito::UserPoolGroup'],
  ['ApiAccessLogsE9DF007D', 'AWS::Logs::LogGroup'],
  ['ReferralWorkflowLogsAAD11E41', 'AWS::Logs::LogGroup'],
  ['PrepareOfferFnLogs030D54AB', 'AWS::Logs::LogGroup'],
  ['SendOfferFnLogsE10F03BE', 'AWS::Logs::LogGroup'],
  ['CloseOfferFnLogs83FC7681', 'AWS::Logs::LogGroup'],
  ['AcceptCaseFnLogsF0202BE6', 'AWS::Logs::LogGroup'],
  ['MarkUnassignedFnLogsDB970B23', 'AWS::Logs::LogGroup'],
  ['CreateReferralFnLogsC238942F', 'AWS::Logs::LogGroup'],
  ['GetCaseFnLogs2A30C093', 'AWS::Logs::LogGroup'],
  ['ActionLinkFnLogs3DD53AFF', 'AWS::Logs::LogGroup'],
  ['SeedDirectoryFnLogs1DB4CA77', 'AWS::Logs::LogGroup'],
  ['OpsAlertsB39E82AA', 'AWS::SNS::Topic'],
];

/** Read by the local runtime, the launcher and whoever deploys: `cdk deploy --outputs-file`. */
const OUTPUTS = [
  'ApiUrl',
  'ConsoleUrl',
  'OpsAlertsTopicArn',
  'ReferralStateMachineArn',
  'SeedDirectoryFunctionName',
  'UserPoolClientId',
  'UserPoolId',
];

describe('BashkeApp logical ids', () => {
  const resources = () => synth.compute.toJSON().Resources as Record<string, { Type: string }>;

  it.each(KEPT)('keeps %s (%s)', (logicalId, type) => {
    expect(resources()[logicalId]?.Type).toBe(type);
  });

  it('has no other resource of the kept kinds that existed before', () => {
    // A second user pool, key or topic next to the kept one is the symptom of an id that moved.
    for (const type of ['AWS::KMS::Key', 'AWS::Cognito::UserPool', 'AWS::SNS::Topic']) {
      const found = Object.entries(resources())
        .filter(([, r]) => r.Type === type)
        .map(([id]) => id);
      expect({ type, found }).toEqual({ type, found: KEPT.filter(([, t]) => t === type).map(([id]) => id) });
    }
    const groups = Object.entries(resources()).filter(([, r]) => r.Type === 'AWS::Cognito::UserPoolGroup');
    // `localgov` came after the split: its group is new, under the same naming.
    expect(groups.map(([id]) => id).sort()).toEqual(
      [
        ...KEPT.filter(([, t]) => t === 'AWS::Cognito::UserPoolGroup').map(([id]) => id),
        'Grouplocalgov',
      ].sort(),
    );
  });

  it('keeps the stack outputs’ names', () => {
    expect(Object.keys(synth.compute.toJSON().Outputs ?? {}).sort()).toEqual(OUTPUTS);
  });
});
