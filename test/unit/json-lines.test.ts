import { readDirectoryText } from '../../local/directory-file';
import { JsonSyntaxError, locateJson } from '../../local/json-lines';

const TEXT = `{
  "regions": [{ "regionId": "korca" }],
  "organisations": [
    {
      "orgId": "a",
      "contacts": [
        {
          "email": "x@y.org"
        }
      ]
    }
  ],
  "__proto__": 1
}
`;

describe('locateJson', () => {
  const located = locateJson(TEXT);

  it('parses as JSON.parse does, __proto__ as an own key', () => {
    expect(located.value).toEqual(JSON.parse(TEXT));
    expect(Object.hasOwn(located.value as object, '__proto__')).toBe(true);
  });

  it('gives the line of each value by its path', () => {
    expect(located.lineOf([])).toBe(1);
    expect(located.lineOf(['regions', 0, 'regionId'])).toBe(2);
    expect(located.lineOf(['organisations', 0])).toBe(4);
    expect(located.lineOf(['organisations', 0, 'contacts', 0, 'email'])).toBe(8);
  });

  it('falls back to the nearest enclosing value for a path that is not there (a missing field)', () => {
    expect(located.lineOf(['organisations', 0, 'contacts', 0, 'name'])).toBe(7);
    expect(located.lineOf(['organisations', 3, 'name'])).toBe(3);
  });

  it('gives the line of a key', () => {
    expect(located.keyLine([], '__proto__')).toBe(13);
    expect(located.keyLine([], 'nope')).toBeUndefined();
  });

  it.each([
    ['{\n  "a": 1,\n}', 3],
    ['{\n  "a": [1 2]\n}', 2],
    ['{"a": "b\nc"}', 1],
    ['{}\n\nx', 3],
    ['', 1],
  ])('refuses %j with the line of the error', (text, line) => {
    expect(() => locateJson(text)).toThrow(JsonSyntaxError);
    try {
      locateJson(text);
    } catch (error) {
      expect((error as JsonSyntaxError).line).toBe(line);
    }
  });
});

describe('readDirectoryText', () => {
  it('names every bad entry with its line', () => {
    const text = `{
  "regions": [{ "regionId": "korca", "code": "KOR", "name": "Korçë" }],
  "organisations": [
    {
      "orgId": "ngo-a",
      "name": "A",
      "kind": "ngo",
      "regions": ["korca"],
      "services": [],
      "capacity": -1,
      "childProtection": false,
      "contacts": [{ "name": "N", "email": "not-an-address", "language": "sq", "roles": ["focal-point"] }]
    },
    {
      "orgId": "dept",
      "name": "D",
      "kind": "department",
      "regions": ["korca"],
      "services": [],
      "capacity": 1,
      "childProtection": false,
      "contacts": [],
      "colour": "red"
    }
  ]
}`;
    const read = readDirectoryText(text);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems.map((p) => [p.line, p.path, p.code])).toEqual([
      [10, '/organisations/0/capacity', 'too_small'],
      [12, '/organisations/0/contacts/0/email', 'invalid_format'],
      // A missing field: the line of the object that lacks it.
      [14, '/organisations/1/department', 'custom'],
      [23, '/organisations/1', 'unrecognized_keys'],
    ]);
  });

  it('names the line of a JSON syntax error', () => {
    expect(readDirectoryText('{\n "regions": [\n}')).toEqual({
      ok: false,
      problems: [{ line: 3, path: '', code: 'invalid_json', message: 'not valid JSON' }],
    });
  });
});
