import { type AslMachine, describeRule, duration, renderStateDiagram } from '../../scripts/asl-diagram';

/** A small hand-written machine with every kind of edge the renderer draws. */
const MACHINE: AslMachine = {
  StartAt: 'Check input',
  States: {
    'Check input': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.offer.found', BooleanEquals: true, Next: 'Ask NGO' },
        {
          And: [
            { Variable: '$.count', NumericGreaterThan: 3 },
            { Not: { Variable: '$.region', StringEquals: 'Korçë' } },
          ],
          Next: 'Fan out',
        },
      ],
      Default: 'Give up',
    },
    'Ask NGO': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 90_000,
      Retry: [{ ErrorEquals: ['Lambda.ServiceException', 'Lambda.SdkClientException'], MaxAttempts: 2 }],
      Catch: [
        { ErrorEquals: ['States.Timeout'], Next: 'Fan out' },
        { ErrorEquals: ['States.ALL'], Next: 'Give up' },
      ],
      End: true,
    },
    'Fan out': {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Notify',
          States: { Notify: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } },
        },
        {
          StartAt: 'Each item',
          States: {
            'Each item': {
              Type: 'Map',
              ItemProcessor: {
                StartAt: 'Notify',
                States: { Notify: { Type: 'Pass', Next: 'Done' }, Done: { Type: 'Succeed' } },
              },
              End: true,
            },
          },
        },
      ],
      Next: 'Wait a day',
    },
    'Wait a day': { Type: 'Wait', Seconds: 86_400, Next: 'Finished' },
    Finished: { Type: 'Succeed' },
    'Give up': { Type: 'Fail', Error: 'NoWay' },
  },
};

describe('renderStateDiagram', () => {
  it('draws every state and edge of a machine with Choice, Catch, Retry, Parallel, Map and a callback task', () => {
    expect(renderStateDiagram(MACHINE)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> Check_input',
        '  state "Check input (Choice)" as Check_input',
        '  state "Ask NGO (.waitForTaskToken, timeout 1d 1h)" as Ask_NGO',
        '  state "Fan out (Parallel)" as Fan_out',
        '  state Fan_out {',
        '    [*] --> Notify',
        '    state "Notify" as Notify',
        '    Notify --> [*]',
        '    --',
        '    [*] --> Each_item',
        '    state "Each item (Map)" as Each_item',
        '    state Each_item {',
        '      [*] --> Notify_2',
        '      state "Notify" as Notify_2',
        '      state "Done (Succeed)" as Done',
        '      Notify_2 --> Done',
        '      Done --> [*]',
        '    }',
        '    Each_item --> [*]',
        '  }',
        '  state "Wait a day (Wait)" as Wait_a_day',
        '  state "Finished (Succeed)" as Finished',
        '  state "Give up (Fail: NoWay)" as Give_up',
        '  Check_input --> Ask_NGO : 1. $.offer.found == true',
        "  Check_input --> Fan_out : 2. ($.count > 3) and (not ($.region == 'Korçë'))",
        '  Check_input --> Give_up : default',
        '  Ask_NGO --> Fan_out : catch States.Timeout',
        '  Ask_NGO --> Give_up : catch States.ALL',
        '  Ask_NGO --> [*]',
        '  note right of Ask_NGO : retry ×2 on Lambda.ServiceException, Lambda.SdkClientException',
        '  Fan_out --> Wait_a_day',
        '  Wait_a_day --> Finished',
        '  Finished --> [*]',
        '  Give_up --> [*]',
      ].join('\n'),
    );
  });

  it('renders the same text for the same definition', () => {
    expect(renderStateDiagram(structuredClone(MACHINE))).toBe(renderStateDiagram(MACHINE));
  });

  it('refuses an edge to a state the machine does not have', () => {
    const broken: AslMachine = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } };
    expect(() => renderStateDiagram(broken)).toThrow(/"Nowhere"/);
  });

  it('summarises a long error family and keeps the labels free of Mermaid separators', () => {
    const machine: AslMachine = {
      StartAt: 'Step; one',
      States: {
        'Step; one': {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Retry: [{ ErrorEquals: ['Lambda.A', 'Lambda.B', 'Lambda.C', 'Custom'] }],
          End: true,
        },
      },
    };
    const out = renderStateDiagram(machine);
    expect(out).toContain('state "Step, one" as Step__one');
    expect(out).toContain('note right of Step__one : retry ×3 on 3 Lambda.* errors, Custom');
  });
});

describe('describeRule', () => {
  it.each([
    [{ Variable: '$.a', StringEquals: 'x' }, "$.a == 'x'"],
    [{ Variable: '$.a', NumericLessThanEqualsPath: '$.b' }, '$.a <= $.b'],
    [{ Variable: '$.a', TimestampGreaterThan: '2026-01-01T00:00:00Z' }, "$.a > '2026-01-01T00:00:00Z'"],
    [{ Variable: '$.a', StringMatches: 'KOR-*' }, "$.a matches 'KOR-*'"],
    [{ Variable: '$.a', IsPresent: false }, '$.a is not present'],
    [{ Variable: '$.a', IsNumeric: true }, '$.a is numeric'],
    [
      {
        Or: [
          { Variable: '$.a', IsNull: true },
          { Variable: '$.b', BooleanEquals: false },
        ],
      },
      '($.a is null) or ($.b == false)',
    ],
  ])('describes %j as %s', (rule, text) => {
    expect(describeRule(rule)).toBe(text);
  });
});

describe('duration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [5_400, '1h 30m'],
    [86_400, '1d'],
    [90_061, '1d 1h 1m 1s'],
  ])('writes %d seconds as %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
