import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type {
  DeleteCommandInput,
  GetCommandInput,
  PutCommandInput,
  QueryCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * A single DynamoDB table in memory that evaluates the condition, update and key-condition
 * expressions DynamoStore sends (the subset it uses: comparisons, AND/OR/NOT, the
 * attribute_exists / attribute_not_exists / begins_with functions; SET with `+`, `-`,
 * list_append and if_not_exists; REMOVE; ADD on numbers). Plugged behind
 * aws-sdk-client-mock, it lets the real DynamoStore run against something that decides
 * like DynamoDB, so MemoryStore can be checked against DynamoStore's own expressions.
 * Items are document-client values (not marshalled), as lib-dynamodb hands them over.
 */

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

const MISSING = Symbol('missing');
type Value = unknown | typeof MISSING;

function validation(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationException' });
}

function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(clean);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, clean(v)]),
    );
  }
  return value;
}

// ---- tokenizer -------------------------------------------------------------------------

type Token = { kind: 'name' | 'placeholder' | 'value' | 'op' | 'word'; text: string };

const WORDS = new Set(['AND', 'OR', 'NOT', 'SET', 'REMOVE', 'ADD', 'DELETE']);

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(<>|<=|>=|[=<>+\-(),])|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expression);
    if (!m) throw validation(`cannot parse expression at ${at}: ${expression}`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'op', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'placeholder', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'value', text: m[3] });
    else if (m[4]) tokens.push({ kind: WORDS.has(m[4].toUpperCase()) ? 'word' : 'name', text: m[4] });
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly names: Names,
    private readonly values: Values,
  ) {}

  done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.at];
  }

  next(): Token {
    const t = this.tokens[this.at++];
    if (!t) throw validation('unexpected end of expression');
    return t;
  }

  isWord(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }

  isOp(op: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.text === op;
  }

  expectOp(op: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== op) throw validation(`expected ${op}, got ${t.text}`);
  }

  attributeName(t: Token): string {
    if (t.kind === 'name') return t.text;
    if (t.kind === 'placeholder') {
      const name = this.names?.[t.text];
      if (name === undefined) throw validation(`undefined attribute name ${t.text}`);
      return name;
    }
    throw validation(`expected an attribute, got ${t.text}`);
  }

  path(): string {
    return this.attributeName(this.next());
  }

  // condition := or
  condition(): (item: Item) => boolean {
    let left = this.conjunction();
    while (this.isWord('OR')) {
      this.next();
      const l = left;
      const r = this.conjunction();
      left = (item) => l(item) || r(item);
    }
    return left;
  }

  private conjunction(): (item: Item) => boolean {
    let left = this.negation();
    while (this.isWord('AND')) {
      this.next();
      const l = left;
      const r = this.negation();
      left = (item) => l(item) && r(item);
    }
    return left;
  }

  private negation(): (item: Item) => boolean {
    if (this.isWord('NOT')) {
      this.next();
      const inner = this.negation();
      return (item) => !inner(item);
    }
    return this.predicate();
  }

  private predicate(): (item: Item) => boolean {
    if (this.isOp('(')) {
      this.next();
      const inner = this.condition();
      this.expectOp(')');
      return inner;
    }
    const t = this.peek();
    if (t?.kind === 'name' && ['attribute_exists', 'attribute_not_exists', 'begins_with'].includes(t.text)) {
      this.next();
      this.expectOp('(');
      const name = this.path();
      if (t.text === 'begins_with') {
        this.expectOp(',');
        const prefix = this.operand();
        this.expectOp(')');
        return (item) => {
          const v = item[name];
          const p = prefix(item);
          return typeof v === 'string' && typeof p === 'string' && v.startsWith(p);
        };
      }
      this.expectOp(')');
      return t.text === 'attribute_exists' ? (item) => name in item : (item) => !(name in item);
    }
    const left = this.operand();
    const op = this.next();
    if (op.kind !== 'op' || !['=', '<>', '<', '<=', '>', '>='].includes(op.text)) {
      throw validation(`expected a comparator, got ${op.text}`);
    }
    const right = this.operand();
    return (item) => compare(op.text, left(item), right(item));
  }

  // operand := path | :value | list_append(v, v) | if_not_exists(path, v), then optional + / -
  value(): (item: Item) => Value {
    const left = this.operand();
    if (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text;
      const right = this.operand();
      return (item) => {
        const a = left(item);
        const b = right(item);
        if (typeof a !== 'number' || typeof b !== 'number') {
          throw validation('an operand in the update expression has an incorrect data type');
        }
        return op === '+' ? a + b : a - b;
      };
    }
    return left;
  }

  private operand(): (item: Item) => Value {
    const t = this.next();
    if (t.kind === 'value') {
      if (!this.values || !(t.text in this.values)) throw validation(`undefined attribute value ${t.text}`);
      const v = this.values[t.text];
      return () => v;
    }
    if (t.kind === 'name' && (t.text === 'list_append' || t.text === 'if_not_exists')) {
      this.expectOp('(');
      if (t.text === 'if_not_exists') {
        const name = this.path();
        this.expectOp(',');
        const fallback = this.value();
        this.expectOp(')');
        return (item) => (name in item ? item[name] : fallback(item));
      }
      const a = this.value();
      this.expectOp(',');
      const b = this.value();
      this.expectOp(')');
      return (item) => {
        const x = a(item);
        const y = b(item);
        if (x === MISSING || y === MISSING) {
          throw validation('the provided expression refers to an attribute that does not exist in the item');
        }
        if (!Array.isArray(x) || !Array.isArray(y)) throw validation('list_append takes lists');
        return [...x, ...y];
      };
    }
    const name = this.attributeName(t);
    return (item) => (name in item ? item[name] : MISSING);
  }
}

function compare(op: string, a: Value, b: Value): boolean {
  if (op === '<>') return a === MISSING || b === MISSING || JSON.stringify(a) !== JSON.stringify(b);
  if (a === MISSING || b === MISSING) return false;
  if (op === '=') return JSON.stringify(a) === JSON.stringify(b);
  const comparable =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

function condition(expression: string | undefined, names: Names, values: Values): (item: Item) => boolean {
  if (!expression) return () => true;
  const parser = new Parser(tokenize(expression), names, values);
  const test = parser.condition();
  if (!parser.done()) throw validation(`trailing tokens in ${expression}`);
  return test;
}

/** Applies an update expression; every value is read from the item as it was before. */
function update(expression: string, names: Names, values: Values, before: Item): Item {
  const parser = new Parser(tokenize(expression), names, values);
  const sets: Array<[string, Value]> = [];
  const removes: string[] = [];
  const adds: Array<[string, Value]> = [];
  while (!parser.done()) {
    const clause = parser.next();
    if (clause.kind !== 'word') throw validation(`expected a clause, got ${clause.text}`);
    const word = clause.text.toUpperCase();
    do {
      if (word === 'SET') {
        const name = parser.path();
        parser.expectOp('=');
        const v = parser.value()(before);
        if (v === MISSING) {
          throw validation('the provided expression refers to an attribute that does not exist in the item');
        }
        sets.push([name, v]);
      } else if (word === 'REMOVE') {
        removes.push(parser.path());
      } else if (word === 'ADD') {
        const name = parser.path();
        adds.push([name, parser.value()(before)]);
      } else {
        throw validation(`unsupported clause ${word}`);
      }
    } while (parser.isOp(',') && parser.next());
  }
  const after: Item = { ...before };
  for (const [name, v] of sets) after[name] = clean(v);
  for (const name of removes) delete after[name];
  for (const [name, v] of adds) {
    const current = name in before ? before[name] : 0;
    if (typeof current !== 'number' || typeof v !== 'number')
      throw validation('ADD supports numbers only here');
    after[name] = current + v;
  }
  return after;
}

type Key = Record<string, unknown>;

/** One write of a transaction, resolved to its target and its effect. */
interface Planned {
  readonly id: string;
  readonly test: (item: Item) => boolean;
  readonly exists: boolean;
  readonly effect: () => Item | undefined;
  /** The item comes back with a refused condition (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). */
  readonly returnOld: boolean;
}

export class FakeDynamoTable {
  private readonly table = new Map<string, Item>();

  /** Every item, sorted by key, deep-copied. */
  items(): Item[] {
    return [...this.table.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, item]) => structuredClone(item));
  }

  private id(key: Key | undefined): string {
    const pk = key?.pk;
    const sk = key?.sk;
    if (typeof pk !== 'string' || typeof sk !== 'string')
      throw validation('the key must have string pk and sk');
    return `${pk}\u0000${sk}`;
  }

  private plan(op: NonNullable<TransactWriteCommandInput['TransactItems']>[number]): Planned {
    if (op.Put) {
      const item = clean(op.Put.Item) as Item;
      const id = this.id(item);
      const test = condition(
        op.Put.ConditionExpression,
        op.Put.ExpressionAttributeNames,
        op.Put.ExpressionAttributeValues,
      );
      return {
        id,
        test,
        exists: this.table.has(id),
        effect: () => item,
        returnOld: op.Put.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      };
    }
    if (op.Update) {
      const {
        Key,
        UpdateExpression,
        ConditionExpression,
        ExpressionAttributeNames,
        ExpressionAttributeValues,
      } = op.Update;
      const id = this.id(Key);
      const test = condition(ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues);
      const before = this.table.get(id) ?? { ...(Key as Item) };
      return {
        id,
        test,
        exists: this.table.has(id),
        effect: () =>
          update(UpdateExpression ?? '', ExpressionAttributeNames, ExpressionAttributeValues, before),
        returnOld: op.Update.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      };
    }
    if (op.Delete) {
      const id = this.id(op.Delete.Key);
      const test = condition(
        op.Delete.ConditionExpression,
        op.Delete.ExpressionAttributeNames,
        op.Delete.ExpressionAttributeValues,
      );
      return {
        id,
        test,
        exists: this.table.has(id),
        effect: () => undefined,
        returnOld: op.Delete.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      };
    }
    if (op.ConditionCheck) {
      const id = this.id(op.ConditionCheck.Key);
      const test = condition(
        op.ConditionCheck.ConditionExpression,
        op.ConditionCheck.ExpressionAttributeNames,
        op.ConditionCheck.ExpressionAttributeValues,
      );
      const current = this.table.get(id);
      return {
        id,
        test,
        exists: current !== undefined,
        effect: () => current,
        returnOld: op.ConditionCheck.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      };
    }
    throw validation('unsupported transaction item');
  }

  private passes(p: Planned): boolean {
    return p.test(this.table.get(p.id) ?? {});
  }

  private commit(plans: readonly Planned[]): void {
    const results = plans.map((p) => p.effect());
    plans.forEach((p, i) => {
      const next = results[i];
      if (next === undefined) this.table.delete(p.id);
      else this.table.set(p.id, structuredClone(next));
    });
  }

  get(input: GetCommandInput): { Item?: Item } {
    const item = this.table.get(this.id(input.Key));
    return item ? { Item: structuredClone(item) } : {};
  }

  put(input: PutCommandInput): object {
    return this.single(this.plan({ Put: input as never }));
  }

  /** `ReturnValues: UPDATED_NEW` answers the attributes the update changed, with their new values. */
  update(input: UpdateCommandInput): object {
    const plan = this.plan({ Update: input as never });
    const before = this.table.get(plan.id) ?? {};
    this.single(plan);
    if (input.ReturnValues !== 'UPDATED_NEW') return {};
    const after = this.table.get(plan.id) ?? {};
    const changed = Object.entries(after).filter(
      ([k, v]) => k !== 'pk' && k !== 'sk' && JSON.stringify(before[k]) !== JSON.stringify(v),
    );
    return { Attributes: structuredClone(Object.fromEntries(changed)) };
  }

  delete(input: DeleteCommandInput): object {
    return this.single(this.plan({ Delete: input as never }));
  }

  private single(plan: Planned): object {
    if (!this.passes(plan)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    this.commit([plan]);
    return {};
  }

  query(input: QueryCommandInput): { Items: Item[] } {
    const test = condition(
      input.KeyConditionExpression,
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    const sortKey = input.IndexName ? 'gsi1sk' : 'sk';
    const items = [...this.table.values()]
      .filter((item) => (input.IndexName ? 'gsi1pk' in item : true) && test(item))
      .sort((a, b) => {
        const x = String(a[sortKey]);
        const y = String(b[sortKey]);
        return x < y ? -1 : x > y ? 1 : 0;
      });
    return { Items: items.map((i) => structuredClone(i)) };
  }

  transactWrite(input: TransactWriteCommandInput): object {
    const plans = (input.TransactItems ?? []).map((op) => this.plan(op));
    if (new Set(plans.map((p) => p.id)).size !== plans.length) {
      throw validation('transaction request cannot include multiple operations on one item');
    }
    const codes = plans.map((p) => (this.passes(p) ? 'None' : 'ConditionalCheckFailed'));
    if (codes.includes('ConditionalCheckFailed')) {
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
        $metadata: {},
        // As DynamoDB: the refused item comes back raw (the document client does not unmarshall errors).
        CancellationReasons: codes.map((Code, i) => {
          if (Code === 'None') return { Code };
          const current = plans[i]?.returnOld ? this.table.get(plans[i].id) : undefined;
          return {
            Code,
            Message: 'The conditional request failed',
            ...(current ? { Item: marshall(current) } : {}),
          };
        }),
      });
    }
    this.commit(plans);
    return {};
  }
}
