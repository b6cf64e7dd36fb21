/**
 * CloudFormation intrinsic functions, resolved to local values. The resolver knows the
 * functions and the pseudo parameters; what a `Ref`, a `Fn::GetAtt` or a cross-stack read
 * yields comes from the scope (read-assembly.ts knows the resources and the stacks).
 *
 * Anything it does not know fails with an error naming the stack, the logical id and the
 * path of the value: the local runtime never guesses.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Where a value sits in the assembly, for error messages. */
export interface Where {
  readonly stackName: string;
  /** Logical id of the resource or output holding the value. */
  readonly logicalId?: string;
  /** Path inside it, e.g. `Properties.Environment.Variables.TABLE_NAME`. */
  readonly path: string;
}

/** A template the local runtime cannot run as written. */
export class AssemblyError extends Error {
  constructor(where: Where | undefined, message: string) {
    super(where ? `${describeWhere(where)}: ${message}` : message);
    this.name = 'AssemblyError';
  }
}

export function describeWhere(where: Where): string {
  const at = [where.logicalId, where.path].filter((part) => part !== undefined && part !== '').join('.');
  return `stack ${where.stackName}${at ? ` at ${at}` : ''}`;
}

export function at(where: Where, segment: string | number): Where {
  const path = typeof segment === 'number' ? `${where.path}[${segment}]` : joinPath(where.path, segment);
  return { ...where, path };
}

function joinPath(path: string, segment: string): string {
  const safe = /^[A-Za-z0-9_:$-]+$/.test(segment) ? segment : JSON.stringify(segment);
  return path ? `${path}.${safe}` : safe;
}

/** What the resolver asks of the stack a value belongs to. */
export interface IntrinsicScope {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** `Ref` to a resource or a parameter of this stack (pseudo parameters are handled here). */
  ref(logicalId: string, where: Where): Json;
  /** `Fn::GetAtt` on a resource of this stack. */
  getAtt(logicalId: string, attribute: string, where: Where): Json;
  /** `Fn::ImportValue`: the value of the output exported under `exportName` by any stack. */
  importValue(exportName: string, where: Where): Json;
  /** `Fn::GetStackOutput`: an output of another stack, by stack name and output key. */
  getStackOutput(stackName: string, outputName: string, region: string | undefined, where: Where): Json;
  /** A named condition of this stack's `Conditions`. */
  condition(name: string, where: Where): boolean;
  /** This stack's `Mappings`. */
  readonly mappings?: Readonly<Record<string, unknown>>;
}

export const LOCAL_PARTITION = 'aws';
export const LOCAL_URL_SUFFIX = 'amazonaws.com';

/** Marks a value removed by `AWS::NoValue`. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
type Resolved = Json | typeof NO_VALUE;

/**
 * Resolves every intrinsic in `value`. `undefined` when `value` is, or when it is `AWS::NoValue`
 * (keys and list items that are `AWS::NoValue` are dropped, as CloudFormation does).
 */
export function resolveIntrinsics(value: unknown, scope: IntrinsicScope, where: Where): Json | undefined {
  if (value === undefined) return undefined;
  const resolved = resolve(value, scope, where);
  return resolved === NO_VALUE ? undefined : resolved;
}

/** Resolves to a string (numbers and booleans are written as CloudFormation writes them). */
export function resolveString(value: unknown, scope: IntrinsicScope, where: Where): string {
  const resolved = resolveIntrinsics(value, scope, where);
  if (resolved === undefined) throw new AssemblyError(where, 'expected a string, found AWS::NoValue');
  return asString(resolved, where);
}

/** Like resolveString, `undefined` for an absent value or `AWS::NoValue`. */
export function resolveOptionalString(
  value: unknown,
  scope: IntrinsicScope,
  where: Where,
): string | undefined {
  if (value === undefined) return undefined;
  const resolved = resolveIntrinsics(value, scope, where);
  return resolved === undefined ? undefined : asString(resolved, where);
}

export function asString(value: Json, where: Where): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new AssemblyError(where, `expected a string, found ${describe(value)}`);
}

function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ "Ref": ... }` or `{ "Fn::X": ... }` (or `{ "Condition": ... }` inside conditions). */
function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

function resolve(value: unknown, scope: IntrinsicScope, where: Where): Resolved {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  if (Array.isArray(value)) {
    const out: Json[] = [];
    value.forEach((item, i) => {
      const resolved = resolve(item, scope, at(where, i));
      if (resolved !== NO_VALUE) out.push(resolved);
    });
    return out;
  }
  if (isRecord(value)) {
    const name = intrinsicName(value);
    if (name) return resolveFunction(name, value[name], scope, at(where, name));
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolve(item, scope, at(where, key));
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }
  throw new AssemblyError(where, `not a JSON value (${typeof value})`);
}

function expectArgs(args: unknown, length: number, name: string, where: Where): unknown[] {
  if (!Array.isArray(args) || args.length !== length) {
    throw new AssemblyError(where, `${name} takes a list of ${length} arguments`);
  }
  return args;
}

function resolveJson(value: unknown, scope: IntrinsicScope, where: Where): Json {
  const resolved = resolve(value, scope, where);
  if (resolved === NO_VALUE) throw new AssemblyError(where, 'AWS::NoValue is not allowed here');
  return resolved;
}

function resolveList(value: unknown, scope: IntrinsicScope, where: Where): Json[] {
  const resolved = resolveJson(value, scope, where);
  if (!Array.isArray(resolved))
    throw new AssemblyError(where, `expected a list, found ${describe(resolved)}`);
  return resolved;
}

function resolveFunction(name: string, args: unknown, scope: IntrinsicScope, where: Where): Resolved {
  switch (name) {
    case 'Ref': {
      if (typeof args !== 'string') throw new AssemblyError(where, 'Ref takes a logical id');
      return resolveRef(args, scope, where);
    }
    case 'Fn::GetAtt': {
      let logicalId: unknown;
      let attribute: unknown;
      if (typeof args === 'string') {
        const dot = args.indexOf('.');
        if (dot <= 0) throw new AssemblyError(where, `Fn::GetAtt "${args}" is not "LogicalId.Attribute"`);
        [logicalId, attribute] = [args.slice(0, dot), args.slice(dot + 1)];
      } else {
        [logicalId, attribute] = expectArgs(args, 2, name, where);
      }
      if (typeof logicalId !== 'string') throw new AssemblyError(where, 'Fn::GetAtt takes a logical id');
      return scope.getAtt(logicalId, asString(resolveJson(attribute, scope, at(where, 1)), where), where);
    }
    case 'Fn::Join': {
      const [delimiter, list] = expectArgs(args, 2, name, where);
      if (typeof delimiter !== 'string') throw new AssemblyError(where, 'Fn::Join takes a string delimiter');
      const parts = resolveList(list, scope, at(where, 1));
      return parts.map((part, i) => asString(part, at(at(where, 1), i))).join(delimiter);
    }
    case 'Fn::Sub':
      return resolveSub(args, scope, where);
    case 'Fn::Select': {
      const [index, list] = expectArgs(args, 2, name, where);
      const i = Number(resolveJson(index, scope, at(where, 0)));
      const items = resolveList(list, scope, at(where, 1));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new AssemblyError(
          where,
          `Fn::Select index ${String(index)} is outside a list of ${items.length}`,
        );
      }
      return items[i] as Json;
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArgs(args, 2, name, where);
      if (typeof delimiter !== 'string' || delimiter === '') {
        throw new AssemblyError(where, 'Fn::Split takes a non-empty string delimiter');
      }
      return asString(resolveJson(source, scope, at(where, 1)), where).split(delimiter);
    }
    case 'Fn::ImportValue': {
      const exportName = asString(resolveJson(args, scope, where), where);
      return scope.importValue(exportName, where);
    }
    case 'Fn::GetStackOutput': {
      if (!isRecord(args)) throw new AssemblyError(where, 'Fn::GetStackOutput takes {StackName, OutputName}');
      const stackName = asString(resolveJson(args.StackName, scope, at(where, 'StackName')), where);
      const outputName = asString(resolveJson(args.OutputName, scope, at(where, 'OutputName')), where);
      const region =
        args.Region === undefined
          ? undefined
          : asString(resolveJson(args.Region, scope, at(where, 'Region')), where);
      // RoleArn (cross-account reads) means nothing locally: one account, one process.
      return scope.getStackOutput(stackName, outputName, region, where);
    }
    case 'Fn::If': {
      const [condition, ifTrue, ifFalse] = expectArgs(args, 3, name, where);
      if (typeof condition !== 'string') throw new AssemblyError(where, 'Fn::If takes a condition name');
      return scope.condition(condition, where)
        ? resolve(ifTrue, scope, at(where, 1))
        : resolve(ifFalse, scope, at(where, 2));
    }
    case 'Fn::FindInMap': {
      if (!Array.isArray(args) || args.length < 3)
        throw new AssemblyError(where, 'Fn::FindInMap takes 3 arguments');
      const [map, top, second] = args
        .slice(0, 3)
        .map((arg, i) => asString(resolveJson(arg, scope, at(where, i)), where)) as [string, string, string];
      const found = (scope.mappings?.[map] as Record<string, Record<string, unknown>> | undefined)?.[top]?.[
        second
      ];
      if (found !== undefined) return resolveJson(found, scope, where);
      const fallback = args[3];
      if (isRecord(fallback) && 'DefaultValue' in fallback)
        return resolveJson(fallback.DefaultValue, scope, where);
      throw new AssemblyError(where, `Fn::FindInMap: no ${map}.${top}.${second} in Mappings`);
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveJson(args, scope, where), where), 'utf8').toString('base64');
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${scope.region}${zone}`);
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveJson(args, scope, where));
    case 'Fn::Length':
      return resolveList(args, scope, where).length;
    default:
      throw new AssemblyError(where, `the intrinsic ${name} is not supported by the local runtime`);
  }
}

/** Pseudo parameters; `undefined` when `name` is not one. */
function pseudoParameter(name: string, scope: IntrinsicScope, where: Where): Resolved | undefined {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::AccountId':
      return scope.accountId;
    case 'AWS::Partition':
      return LOCAL_PARTITION;
    case 'AWS::URLSuffix':
      return LOCAL_URL_SUFFIX;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return `arn:${LOCAL_PARTITION}:cloudformation:${scope.region}:${scope.accountId}:stack/${scope.stackName}/local`;
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      if (name.startsWith('AWS::')) throw new AssemblyError(where, `unknown pseudo parameter ${name}`);
      return undefined;
  }
}

function resolveRef(name: string, scope: IntrinsicScope, where: Where): Resolved {
  return pseudoParameter(name, scope, where) ?? scope.ref(name, where);
}

const SUB_PLACEHOLDER = /\$\{([^}]*)\}/g;

function resolveSub(args: unknown, scope: IntrinsicScope, where: Where): string {
  let body: unknown;
  let variables: Record<string, unknown> = {};
  if (typeof args === 'string') {
    body = args;
  } else {
    const [template, vars] = expectArgs(args, 2, 'Fn::Sub', where);
    if (!isRecord(vars)) throw new AssemblyError(where, 'Fn::Sub takes a map of variables');
    body = template;
    variables = vars;
  }
  if (typeof body !== 'string') throw new AssemblyError(where, 'Fn::Sub takes a string template');
  return body.replace(SUB_PLACEHOLDER, (_match, name: string) => {
    // `${!Literal}` writes `${Literal}`.
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (Object.hasOwn(variables, name)) {
      return asString(resolveJson(variables[name], scope, at(at(where, 1), name)), where);
    }
    const pseudo = pseudoParameter(name, scope, where);
    if (pseudo !== undefined) {
      if (pseudo === NO_VALUE) throw new AssemblyError(where, 'AWS::NoValue is not allowed in Fn::Sub');
      return asString(pseudo, where);
    }
    const dot = name.indexOf('.');
    if (dot > 0) return asString(scope.getAtt(name.slice(0, dot), name.slice(dot + 1), where), where);
    return asString(scope.ref(name, where), where);
  });
}

/** Evaluates a condition expression (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`). */
export function evaluateCondition(expression: unknown, scope: IntrinsicScope, where: Where): boolean {
  if (typeof expression === 'boolean') return expression;
  if (!isRecord(expression) || Object.keys(expression).length !== 1) {
    throw new AssemblyError(where, 'a condition must be one condition function');
  }
  const [name, args] = Object.entries(expression)[0] as [string, unknown];
  const here = at(where, name);
  switch (name) {
    case 'Condition':
      if (typeof args !== 'string') throw new AssemblyError(here, 'Condition takes a condition name');
      return scope.condition(args, here);
    case 'Fn::Equals': {
      const [left, right] = expectArgs(args, 2, name, here);
      return (
        JSON.stringify(resolveJson(left, scope, at(here, 0))) ===
        JSON.stringify(resolveJson(right, scope, at(here, 1)))
      );
    }
    case 'Fn::Not': {
      const [inner] = expectArgs(args, 1, name, here);
      return !evaluateCondition(inner, scope, at(here, 0));
    }
    case 'Fn::And':
    case 'Fn::Or': {
      if (!Array.isArray(args) || args.length === 0) throw new AssemblyError(here, `${name} takes a list`);
      const values = args.map((inner, i) => evaluateCondition(inner, scope, at(here, i)));
      return name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
    }
    case 'Fn::Contains': {
      const [list, item] = expectArgs(args, 2, name, here);
      const wanted = JSON.stringify(resolveJson(item, scope, at(here, 1)));
      return resolveList(list, scope, at(here, 0)).some((entry) => JSON.stringify(entry) === wanted);
    }
    default:
      throw new AssemblyError(here, `the condition function ${name} is not supported by the local runtime`);
  }
}
