// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub templates are written with ${...}.
import {
  AssemblyError,
  evaluateCondition,
  type IntrinsicScope,
  type Json,
  resolveIntrinsics,
  resolveString,
  type Where,
} from '../../local/engine/assembly/intrinsics';

/** A stack with two resources, an export and another stack's output. */
function scope(overrides: Partial<IntrinsicScope> = {}): IntrinsicScope {
  const resources: Record<string, { ref: Json; attrs: Record<string, Json> }> = {
    Table: {
      ref: 'Stack-Table',
      attrs: { Arn: 'arn:aws:dynamodb:eu-central-1:000000000000:table/Stack-Table' },
    },
    Api: { ref: 'abc123', attrs: { ApiEndpoint: 'http://127.0.0.1:3000' } },
  };
  return {
    stackName: 'Stack',
    region: 'eu-central-1',
    accountId: '000000000000',
    ref(logicalId, where) {
      const found = resources[logicalId];
      if (!found) throw new AssemblyError(where, `no resource ${logicalId}`);
      return found.ref;
    },
    getAtt(logicalId, attribute, where) {
      const value = resources[logicalId]?.attrs[attribute];
      if (value === undefined) throw new AssemblyError(where, `no ${logicalId}.${attribute}`);
      return value;
    },
    importValue(name, where) {
      if (name === 'Data:TableName') return 'Data-Items';
      throw new AssemblyError(where, `no export ${name}`);
    },
    getStackOutput(stackName, outputName, region, where) {
      if (
        stackName === 'Data' &&
        outputName === 'ItemsArn' &&
        (region ?? 'eu-central-1') === 'eu-central-1'
      ) {
        return 'arn:aws:dynamodb:eu-central-1:000000000000:table/Data-Items';
      }
      throw new AssemblyError(where, `no output ${stackName}.${outputName}`);
    },
    condition: (name) => name === 'IsLocal',
    mappings: { Sizes: { small: { memory: 128 } } },
    ...overrides,
  };
}

const where: Where = { stackName: 'Stack', logicalId: 'Fn', path: 'Properties.Environment.Variables.X' };
const resolve = (value: unknown) => resolveIntrinsics(value, scope(), where);

describe('pseudo parameters', () => {
  it.each([
    ['AWS::Region', 'eu-central-1'],
    ['AWS::AccountId', '000000000000'],
    ['AWS::Partition', 'aws'],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::StackName', 'Stack'],
  ])('Ref %s', (name, value) => {
    expect(resolve({ Ref: name })).toBe(value);
  });

  it('AWS::NoValue drops the key or the list item', () => {
    expect(resolve({ A: 'a', B: { Ref: 'AWS::NoValue' } })).toEqual({ A: 'a' });
    expect(resolve(['a', { Ref: 'AWS::NoValue' }, 'c'])).toEqual(['a', 'c']);
    expect(resolve({ Ref: 'AWS::NoValue' })).toBeUndefined();
  });

  it('an unknown pseudo parameter is an error', () => {
    expect(() => resolve({ Ref: 'AWS::Frobnicate' })).toThrow(/unknown pseudo parameter AWS::Frobnicate/);
  });
});

describe('functions', () => {
  it('Ref and Fn::GetAtt (list and string forms) ask the scope', () => {
    expect(resolve({ Ref: 'Table' })).toBe('Stack-Table');
    expect(resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe(
      'arn:aws:dynamodb:eu-central-1:000000000000:table/Stack-Table',
    );
    expect(resolve({ 'Fn::GetAtt': 'Api.ApiEndpoint' })).toBe('http://127.0.0.1:3000');
  });

  it('Fn::Join joins resolved parts', () => {
    expect(resolve({ 'Fn::Join': [':', [{ Ref: 'AWS::Partition' }, 'x', { Ref: 'Table' }]] })).toBe(
      'aws:x:Stack-Table',
    );
    expect(resolve({ 'Fn::Join': ['', []] })).toBe('');
  });

  it('Fn::Sub, string form: pseudo parameters, Ref, Logical.Attr and ${!Literal}', () => {
    expect(resolve({ 'Fn::Sub': 'https://dynamodb.${AWS::Region}.${AWS::URLSuffix}' })).toBe(
      'https://dynamodb.eu-central-1.amazonaws.com',
    );
    expect(resolve({ 'Fn::Sub': '${Api.ApiEndpoint}/health/${Table}' })).toBe(
      'http://127.0.0.1:3000/health/Stack-Table',
    );
    expect(resolve({ 'Fn::Sub': '${!Literal} stays' })).toBe('${Literal} stays');
  });

  it('Fn::Sub, map form: variables first, then the rest', () => {
    expect(
      resolve({ 'Fn::Sub': ['${Who} in ${AWS::Region} (${Api.ApiEndpoint})', { Who: { Ref: 'Table' } }] }),
    ).toBe('Stack-Table in eu-central-1 (http://127.0.0.1:3000)');
  });

  it('Fn::Select over Fn::Split', () => {
    const arn = { 'Fn::GetAtt': ['Table', 'Arn'] };
    expect(resolve({ 'Fn::Split': [':', 'a:b:c'] })).toEqual(['a', 'b', 'c']);
    expect(resolve({ 'Fn::Select': [3, { 'Fn::Split': [':', arn] }] })).toBe('eu-central-1');
    expect(resolve({ 'Fn::Select': ['1', ['x', 'y']] })).toBe('y');
    expect(() => resolve({ 'Fn::Select': [5, ['x']] })).toThrow(/outside a list of 1/);
  });

  it('Fn::ImportValue (name itself resolved) and Fn::GetStackOutput', () => {
    expect(resolve({ 'Fn::ImportValue': 'Data:TableName' })).toBe('Data-Items');
    expect(resolve({ 'Fn::ImportValue': { 'Fn::Join': [':', ['Data', 'TableName']] } })).toBe('Data-Items');
    expect(
      resolve({
        'Fn::GetStackOutput': { StackName: 'Data', Region: { Ref: 'AWS::Region' }, OutputName: 'ItemsArn' },
      }),
    ).toBe('arn:aws:dynamodb:eu-central-1:000000000000:table/Data-Items');
    expect(() => resolve({ 'Fn::GetStackOutput': { StackName: 'Data', OutputName: 'Nope' } })).toThrow(
      /no output Data.Nope/,
    );
  });

  it('Fn::If, Fn::FindInMap, Fn::Base64, Fn::ToJsonString', () => {
    expect(resolve({ 'Fn::If': ['IsLocal', 'yes', 'no'] })).toBe('yes');
    expect(resolve({ 'Fn::If': ['IsCloud', 'yes', { Ref: 'AWS::NoValue' }] })).toBeUndefined();
    expect(resolve({ 'Fn::FindInMap': ['Sizes', 'small', 'memory'] })).toBe(128);
    expect(resolve({ 'Fn::Base64': 'hi' })).toBe('aGk=');
    expect(resolve({ 'Fn::ToJsonString': { a: { Ref: 'Table' } } })).toBe('{"a":"Stack-Table"}');
  });

  it('resolves deep inside objects and lists', () => {
    expect(resolve({ A: [{ B: { Ref: 'Table' } }], C: 1, D: true, E: null })).toEqual({
      A: [{ B: 'Stack-Table' }],
      C: 1,
      D: true,
      E: null,
    });
  });

  it('resolveString writes numbers as strings and refuses lists', () => {
    expect(resolveString(60, scope(), where)).toBe('60');
    expect(() => resolveString(['a'], scope(), where)).toThrow(/expected a string, found a list/);
  });
});

describe('conditions', () => {
  it('evaluates Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition', () => {
    const s = scope();
    expect(evaluateCondition({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-central-1'] }, s, where)).toBe(
      true,
    );
    expect(evaluateCondition({ 'Fn::Not': [{ Condition: 'IsLocal' }] }, s, where)).toBe(false);
    expect(
      evaluateCondition({ 'Fn::And': [{ Condition: 'IsLocal' }, { 'Fn::Equals': ['a', 'a'] }] }, s, where),
    ).toBe(true);
    expect(
      evaluateCondition({ 'Fn::Or': [{ Condition: 'IsCloud' }, { 'Fn::Equals': ['a', 'b'] }] }, s, where),
    ).toBe(false);
  });
});

describe('clear failures', () => {
  it('an unknown intrinsic names the stack, the logical id and the path', () => {
    let error: unknown;
    try {
      resolve({ Outer: [{ 'Fn::Frobnicate': ['x'] }] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AssemblyError);
    expect((error as Error).message).toBe(
      'stack Stack at Fn.Properties.Environment.Variables.X.Outer[0].Fn::Frobnicate: ' +
        'the intrinsic Fn::Frobnicate is not supported by the local runtime',
    );
  });

  it('an unknown resource or attribute, from the scope, keeps the path', () => {
    expect(() => resolve({ 'Fn::Sub': '${Nope}' })).toThrow(
      'stack Stack at Fn.Properties.Environment.Variables.X.Fn::Sub: no resource Nope',
    );
    expect(() => resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toThrow(/Fn::GetAtt: no Table.StreamArn/);
  });

  it('malformed arguments', () => {
    expect(() => resolve({ 'Fn::Join': [':'] })).toThrow(/Fn::Join takes a list of 2 arguments/);
    expect(() => resolve({ 'Fn::GetAtt': 'NoDot' })).toThrow(/LogicalId.Attribute/);
    expect(() => resolve({ 'Fn::Sub': [1, {}] })).toThrow(/string template/);
  });
});
