/**
 * Where things are in a JSON text: the line of every value and of every object key, by path,
 * so a schema issue (a zod path) can name the line of the file it came from. A small parser of
 * its own because JSON.parse keeps no positions.
 */

export type JsonPath = readonly (string | number)[];

/** A JSON syntax error at a line (1-based). */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(readonly line: number) {
    super(`not valid JSON at line ${line}`);
  }
}

export interface LocatedJson {
  readonly value: unknown;
  /** The line of the value at `path`, or of the nearest enclosing value that exists. */
  lineOf(path: JsonPath): number;
  /** The line of the key `key` of the object at `path` (undefined when it has no such key). */
  keyLine(path: JsonPath, key: string): number | undefined;
}

const pointer = (path: JsonPath) => path.map((p) => `/${String(p)}`).join('');

/** Parses `text` as JSON (as JSON.parse would) and records where each value and key is. */
export function locateJson(text: string): LocatedJson {
  const lines = new Map<string, number>();
  const keys = new Map<string, number>();
  let i = 0;
  let line = 1;
  const fail = (): never => {
    throw new JsonSyntaxError(line);
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
      i++;
    }
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail();
    }
  };
  const value = (path: JsonPath): unknown => {
    space();
    lines.set(pointer(path), line);
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      space();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        const keyAt = line;
        const key = string();
        keys.set(`${pointer(path)}\u0000${key}`, keyAt);
        space();
        if (text[i] !== ':') fail();
        i++;
        Object.defineProperty(out, key, {
          value: value([...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return out;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value([...path, out.length]));
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return out;
        } else fail();
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const parsed = value([]);
  space();
  if (i < text.length) fail();
  return {
    value: parsed,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const found = lines.get(pointer(path.slice(0, n)));
        if (found !== undefined) return found;
      }
      return 1;
    },
    keyLine: (path, key) => keys.get(`${pointer(path)}\u0000${key}`),
  };
}
