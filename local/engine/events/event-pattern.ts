/**
 * EventBridge event patterns (content filtering), as the EventBridge user guide describes them
 * ("Creating event patterns", "Content filtering in Amazon EventBridge event patterns",
 * "Comparison operators"): a pattern has the event's structure; every field it names must
 * match (AND); a field's array lists values and filters of which one must match (OR).
 *
 * - exact strings, numbers (compared as numbers), booleans, `null` (matches JSON null only)
 *   and `""` (matches the empty string only);
 * - nested objects; an array in the event matches when any of its elements matches (also
 *   arrays of objects under a nested pattern);
 * - `prefix`, `suffix` (each also with `{"equals-ignore-case": ...}`), `equals-ignore-case`,
 *   `wildcard` (`*` any run of characters, `\*` a literal star), `numeric` (one or two
 *   comparisons, `=` alone), `cidr` (IPv4), `exists` (true: the field is present — null counts;
 *   false: it is absent), `anything-but` (a value, a list of strings or of numbers, or
 *   `{prefix|suffix|equals-ignore-case|wildcard}`);
 * - `$or`: a list of sub-patterns of which one must match, at the top level or nested.
 *
 * A field the pattern names but the event lacks matches only `{"exists": false}`.
 * `compileEventPattern` checks the pattern first and throws an EventPatternError naming what it
 * cannot read (at synth/start time, so a bad rule never silently matches nothing).
 */

export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
}

/** A compiled pattern: does this event (parsed JSON) match? */
export type EventMatcher = (event: unknown) => boolean;

type Leaf = (present: boolean, value: unknown) => boolean;
type Node = (value: unknown, present: boolean) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compiles (and checks) a pattern: the object form, or its JSON text. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  const parsed = typeof pattern === 'string' ? parseJson(pattern) : pattern;
  if (!isObject(parsed) || Object.keys(parsed).length === 0) {
    throw new EventPatternError('an event pattern must be a non-empty JSON object');
  }
  const node = compileObject(parsed, '');
  return (event) => node(event, event !== undefined);
}

/** Shorthand: does `event` match `pattern`? */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EventPatternError('the event pattern is not JSON');
  }
}

function compileObject(pattern: Record<string, unknown>, path: string): Node {
  const parts: Array<(value: unknown) => boolean> = [];
  for (const [key, spec] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(spec) || spec.length < 2 || !spec.every(isObject)) {
        throw new EventPatternError(`${at}: $or takes a list of at least two patterns`);
      }
      const options = spec.map((option, i) =>
        compileObject(option as Record<string, unknown>, `${at}[${i}]`),
      );
      parts.push((value) => options.some((option) => option(value, value !== undefined)));
      continue;
    }
    const child = compileField(spec, at);
    parts.push((value) => {
      const present = isObject(value) && Object.hasOwn(value, key);
      return child(present ? value[key] : undefined, present);
    });
  }
  return (value, _present) => {
    // An array of objects matches a nested pattern when one of its elements does.
    if (Array.isArray(value)) return value.some((item) => parts.every((part) => part(item)));
    return parts.every((part) => part(value));
  };
}

function compileField(spec: unknown, at: string): Node {
  if (isObject(spec)) {
    if (Object.keys(spec).length === 0) throw new EventPatternError(`${at}: an empty object matches nothing`);
    const nested = compileObject(spec, at);
    return (value, present) => nested(present ? value : undefined, present);
  }
  if (!Array.isArray(spec)) {
    throw new EventPatternError(`${at}: expected a list of values or filters, or a nested pattern`);
  }
  if (spec.length === 0) throw new EventPatternError(`${at}: an empty list matches nothing`);
  const leaves = spec.map((item, i) => compileLeaf(item, `${at}[${i}]`));
  return (value, present) => {
    if (present && Array.isArray(value)) {
      // An array in the event: any element may match (an empty one matches only existence tests).
      if (value.length === 0) return leaves.some((leaf) => leaf(true, EMPTY_ARRAY));
      return value.some((item) => leaves.some((leaf) => leaf(true, item)));
    }
    return leaves.some((leaf) => leaf(present, value));
  };
}

/** Stands for an empty array in the event: a value no comparison matches, but it exists. */
const EMPTY_ARRAY = Symbol('empty array');

function compileLeaf(item: unknown, at: string): Leaf {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') {
    return (present, value) => present && value === item;
  }
  if (typeof item === 'number') {
    return (present, value) => present && typeof value === 'number' && value === item;
  }
  if (!isObject(item)) throw new EventPatternError(`${at}: not a value or a filter`);
  const keys = Object.keys(item);
  if (keys.length !== 1) throw new EventPatternError(`${at}: a filter has exactly one operator`);
  const op = keys[0] as string;
  const arg = item[op];
  switch (op) {
    case 'exists': {
      if (typeof arg !== 'boolean') throw new EventPatternError(`${at}: exists takes true or false`);
      return (present, value) => (arg ? present && !isObject(value) : !present);
    }
    case 'prefix':
    case 'suffix': {
      const test = affixTest(op, arg, at);
      return (present, value) => present && typeof value === 'string' && test(value);
    }
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') throw new EventPatternError(`${at}: equals-ignore-case takes a string`);
      const lower = arg.toLowerCase();
      return (present, value) => present && typeof value === 'string' && value.toLowerCase() === lower;
    }
    case 'wildcard': {
      const re = wildcardRegExp(arg, at);
      return (present, value) => present && typeof value === 'string' && re.test(value);
    }
    case 'numeric': {
      const test = numericTest(arg, at);
      return (present, value) => present && typeof value === 'number' && test(value);
    }
    case 'cidr': {
      const test = cidrTest(arg, at);
      return (present, value) => present && typeof value === 'string' && test(value);
    }
    case 'anything-but': {
      const excluded = anythingBut(arg, at);
      return (present, value) => present && value !== EMPTY_ARRAY && !isObject(value) && !excluded(value);
    }
    default:
      throw new EventPatternError(`${at}: unknown filter "${op}"`);
  }
}

/** `prefix`/`suffix` with a string or `{"equals-ignore-case": string}`. */
function affixTest(op: 'prefix' | 'suffix', arg: unknown, at: string): (value: string) => boolean {
  let text: string;
  let ignoreCase = false;
  if (typeof arg === 'string') text = arg;
  else if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') {
    text = arg['equals-ignore-case'] as string;
    ignoreCase = true;
  } else {
    throw new EventPatternError(`${at}: ${op} takes a string or {"equals-ignore-case": string}`);
  }
  const wanted = ignoreCase ? text.toLowerCase() : text;
  return (value) => {
    const v = ignoreCase ? value.toLowerCase() : value;
    return op === 'prefix' ? v.startsWith(wanted) : v.endsWith(wanted);
  };
}

function wildcardRegExp(arg: unknown, at: string): RegExp {
  if (typeof arg !== 'string') throw new EventPatternError(`${at}: wildcard takes a string`);
  if (arg.includes('**')) throw new EventPatternError(`${at}: wildcard: consecutive "*" are not allowed`);
  let source = '';
  for (let i = 0; i < arg.length; i += 1) {
    const c = arg[i] as string;
    if (c === '\\' && (arg[i + 1] === '*' || arg[i + 1] === '\\')) {
      source += `\\${arg[i + 1]}`;
      i += 1;
    } else if (c === '*') source += '.*';
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

const COMPARISONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

function numericTest(arg: unknown, at: string): (value: number) => boolean {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new EventPatternError(`${at}: numeric takes one or two comparisons, like [">", 0, "<=", 5]`);
  }
  const tests: Array<(value: number) => boolean> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    const compare = typeof op === 'string' ? COMPARISONS[op] : undefined;
    if (!compare || typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new EventPatternError(`${at}: numeric: expected an operator (<, <=, =, >=, >) and a number`);
    }
    if (op === '=' && arg.length !== 2) throw new EventPatternError(`${at}: numeric "=" stands alone`);
    tests.push((value) => compare(value, bound));
  }
  return (value) => tests.every((test) => test(value));
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

function cidrTest(arg: unknown, at: string): (value: string) => boolean {
  const m = typeof arg === 'string' ? /^([\d.]+)\/(\d{1,2})$/.exec(arg) : null;
  const base = m ? ipv4(m[1] as string) : undefined;
  const bits = m ? Number(m[2]) : Number.NaN;
  if (base === undefined || !(bits >= 0 && bits <= 32)) {
    throw new EventPatternError(`${at}: cidr takes an IPv4 block like "10.0.0.0/24"`);
  }
  const size = 2 ** (32 - bits);
  const low = Math.floor(base / size) * size;
  return (value) => {
    const ip = ipv4(value);
    return ip !== undefined && ip >= low && ip < low + size;
  };
}

/** The values anything-but excludes, as a test on a present value. */
function anythingBut(arg: unknown, at: string): (value: unknown) => boolean {
  if (typeof arg === 'string' || typeof arg === 'number') return (value) => value === arg;
  if (Array.isArray(arg)) {
    const allStrings = arg.every((v) => typeof v === 'string');
    const allNumbers = arg.every((v) => typeof v === 'number');
    if (arg.length === 0 || !(allStrings || allNumbers)) {
      throw new EventPatternError(`${at}: anything-but takes a list of strings or a list of numbers`);
    }
    return (value) => (arg as unknown[]).includes(value);
  }
  if (isObject(arg) && Object.keys(arg).length === 1) {
    const [op] = Object.keys(arg) as [string];
    const inner = arg[op];
    if (op === 'prefix' || op === 'suffix') {
      if (typeof inner !== 'string') throw new EventPatternError(`${at}: anything-but ${op} takes a string`);
      const test = affixTest(op, inner, at);
      // A value that is not a string has no prefix: it is not excluded.
      return (value) => typeof value === 'string' && test(value);
    }
    if (op === 'equals-ignore-case') {
      const list = typeof inner === 'string' ? [inner] : inner;
      if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) {
        throw new EventPatternError(
          `${at}: anything-but equals-ignore-case takes a string or a list of strings`,
        );
      }
      const lowered = new Set(list.map((v) => (v as string).toLowerCase()));
      return (value) => typeof value === 'string' && lowered.has(value.toLowerCase());
    }
    if (op === 'wildcard') {
      const list = typeof inner === 'string' ? [inner] : inner;
      if (!Array.isArray(list) || list.length === 0) {
        throw new EventPatternError(`${at}: anything-but wildcard takes a string or a list of strings`);
      }
      const res = list.map((w, i) => wildcardRegExp(w, `${at}[${i}]`));
      return (value) => typeof value === 'string' && res.some((re) => re.test(value));
    }
  }
  throw new EventPatternError(
    `${at}: anything-but takes a value, a list, or {prefix|suffix|equals-ignore-case|wildcard}`,
  );
}
