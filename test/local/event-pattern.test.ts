import {
  compileEventPattern,
  EventPatternError,
  matchesEventPattern,
} from '../../local/engine/events/event-pattern';

/** The EC2 state-change event of the EventBridge user guide's pattern examples. */
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
    FileName: 'image.PNG',
    empty: '',
    nothing: null,
    flag: true,
    tags: ['blue', 'prod'],
    items: [
      { id: 'a', qty: 1 },
      { id: 'b', qty: 7 },
    ],
  },
};

type Case = [name: string, pattern: Record<string, unknown>, matches: boolean];

const cases: Case[] = [
  ['exact source', { source: ['aws.ec2'] }, true],
  ['one of several values (OR)', { source: ['aws.s3', 'aws.ec2'] }, true],
  ['exact value, case-sensitive', { source: ['AWS.EC2'] }, false],
  [
    'several fields (AND)',
    { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
    true,
  ],
  ['AND with one field wrong', { source: ['aws.ec2'], 'detail-type': ['Other'] }, false],
  ['nested object', { detail: { state: ['terminated'] } }, true],
  ['nested object, other value', { detail: { state: ['running'] } }, false],
  [
    'array in the event: any element',
    { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] },
    true,
  ],
  ['array of strings in detail', { detail: { tags: ['prod'] } }, true],
  ['array of strings, none matches', { detail: { tags: ['green'] } }, false],
  ['array of objects under a nested pattern', { detail: { items: { id: ['b'] } } }, true],
  [
    'array of objects, fields of one element',
    { detail: { items: { id: ['a'], qty: [{ numeric: ['>', 5] }] } } },
    false,
  ],
  ['numeric exact', { detail: { 'c-count': [5] } }, true],
  ['number pattern does not match a string', { detail: { state: [5] } }, false],
  ['string pattern does not match a number', { detail: { 'c-count': ['5'] } }, false],
  ['boolean', { detail: { flag: [true] } }, true],
  ['null matches null', { detail: { nothing: [null] } }, true],
  ['null does not match a missing field', { detail: { missing: [null] } }, false],
  ['null does not match the empty string', { detail: { empty: [null] } }, false],
  ['empty string matches the empty string', { detail: { empty: [''] } }, true],
  ['empty string does not match null', { detail: { nothing: [''] } }, false],
  ['prefix (user guide: time starts with 2017-12-22)', { time: [{ prefix: '2017-12-22' }] }, true],
  ['prefix, other', { time: [{ prefix: '2018' }] }, false],
  ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] }, true],
  ['suffix', { detail: { FileName: [{ suffix: '.PNG' }] } }, true],
  ['suffix is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, false],
  ['suffix ignoring case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, true],
  ['equals-ignore-case', { detail: { state: [{ 'equals-ignore-case': 'TERMINATED' }] } }, true],
  ['anything-but a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
  ['anything-but the value itself', { detail: { state: [{ 'anything-but': 'terminated' }] } }, false],
  ['anything-but a number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, true],
  [
    'anything-but a list of strings',
    { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } },
    false,
  ],
  ['anything-but a list of numbers', { detail: { 'c-count': [{ 'anything-but': [100, 200, 300] }] } }, true],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, true],
  ['anything-but prefix excluded', { detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }, false],
  ['anything-but suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.PNG' } }] } }, false],
  [
    'anything-but ignoring case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['TERMINATED'] } }] } },
    false,
  ],
  ['anything-but wildcard', { detail: { FileName: [{ 'anything-but': { wildcard: '*.PNG' } }] } }, false],
  ['anything-but does not match a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
  [
    'numeric range (user guide: c-count > 0 and <= 5)',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    true,
  ],
  ['numeric range, outside', { detail: { 'd-count': [{ numeric: ['<', 10, '>', 3] }] } }, false],
  ['numeric =', { detail: { 'x-limit': [{ numeric: ['=', 301.8] }] } }, true],
  ['numeric does not match a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
  ['cidr', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
  ['cidr, outside', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
  ['exists true', { detail: { state: [{ exists: true }] } }, true],
  ['exists true on null', { detail: { nothing: [{ exists: true }] } }, true],
  ['exists true on a missing field', { detail: { missing: [{ exists: true }] } }, false],
  ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
  ['exists false on a present field', { detail: { state: [{ exists: false }] } }, false],
  ['exists false under a missing parent', { nowhere: { deeper: [{ exists: false }] } }, true],
  ['exists true does not match an object', { detail: [{ exists: true }] }, false],
  ['wildcard', { detail: { FileName: [{ wildcard: 'im*.PNG' }] } }, true],
  ['wildcard, whole value', { detail: { FileName: [{ wildcard: 'mage*' }] } }, false],
  ['wildcard, escaped star', { detail: { FileName: [{ wildcard: 'image\\*' }] } }, false],
  [
    '$or of two patterns',
    { source: ['aws.ec2'], $or: [{ detail: { state: ['running'] } }, { detail: { 'c-count': [5] } }] },
    true,
  ],
  ['$or, none matches', { $or: [{ detail: { state: ['running'] } }, { source: ['aws.s3'] }] }, false],
  ['$or nested', { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [3] }] } }, true],
  ['a field the event lacks', { detail: { missing: ['x'] } }, false],
  ['mixing values and filters in one list', { detail: { state: ['running', { prefix: 'term' }] } }, true],
];

describe('EventBridge event patterns', () => {
  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesEventPattern(pattern, ec2Event)).toBe(expected);
  });

  it('reads the JSON text of a template’s EventPattern', () => {
    const match = compileEventPattern('{"source":["aws.ses"],"detail-type":["Email Bounced"]}');
    expect(match({ source: 'aws.ses', 'detail-type': 'Email Bounced' })).toBe(true);
    expect(match({ source: 'aws.ses', 'detail-type': 'Email Delivered' })).toBe(false);
  });

  it.each([
    ['not an object', []],
    ['empty', {}],
    ['a bare value', { source: 'aws.ec2' }],
    ['an empty list', { source: [] }],
    ['an unknown filter', { source: [{ contains: 'x' }] }],
    ['two operators in one filter', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['numeric without a number', { n: [{ numeric: ['>', 'x'] }] }],
    ['numeric with an unknown operator', { n: [{ numeric: ['!=', 1] }] }],
    ['exists with a string', { n: [{ exists: 'yes' }] }],
    ['anything-but a mixed list', { n: [{ 'anything-but': ['a', 1] }] }],
    ['a bad cidr', { ip: [{ cidr: '10.0.0.0/33' }] }],
    ['$or with one option', { $or: [{ source: ['a'] }] }],
    ['not JSON', '{source'],
  ])('rejects a pattern that is %s', (_name, pattern) => {
    expect(() => compileEventPattern(pattern)).toThrow(EventPatternError);
  });
});
