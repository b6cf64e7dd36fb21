import { en } from '../../shared/email/locales/en';
import { sq } from '../../shared/email/locales/sq';

/** Every path to a leaf (string, function, number) of a locale object, e.g. `reminder.line.before`. */
function leaves(value: unknown, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      for (const [p, leaf] of leaves(child, path ? `${path}.${key}` : key)) out.set(p, leaf);
    }
  } else {
    out.set(path, value);
  }
  return out;
}

const EN = leaves(en);
const SQ = leaves(sq);

describe('email locales', () => {
  it('hold the same keys in English and Albanian, at every depth', () => {
    const missingInSq = [...EN.keys()].filter((k) => !SQ.has(k));
    const missingInEn = [...SQ.keys()].filter((k) => !EN.has(k));
    expect({ missingInSq, missingInEn }).toEqual({ missingInSq: [], missingInEn: [] });
  });

  it('hold the same kind of value under each key (text beside text, function beside function)', () => {
    const mismatched = [...EN].filter(([k, v]) => typeof SQ.get(k) !== typeof v).map(([k]) => k);
    expect(mismatched).toEqual([]);
  });

  it.each([
    ['en', EN],
    ['sq', SQ],
  ])('give no empty text and no "undefined" in %s, whatever the arguments', (_, locale) => {
    for (const [path, leaf] of locale) {
      const texts =
        typeof leaf === 'function'
          ? [
              (leaf as (...a: unknown[]) => unknown)('Title', 'KOR-2026-0042', 'Org', '3 March 10:00'),
              (leaf as (...a: unknown[]) => unknown)(3, 'March', '10:00', 'Org'),
            ]
          : [leaf];
      for (const text of texts) {
        expect({
          path,
          ok: typeof text === 'string' && text.trim() !== '' && !text.includes('undefined'),
        }).toEqual({
          path,
          ok: true,
        });
      }
    }
  });

  it.each([
    ['en', en],
    ['sq', sq],
  ])(
    'name a reason and a contact in the %s footer with or without the optional organisation',
    (_, locale) => {
      for (const why of Object.values(locale.footer.why)) {
        expect(why()).not.toContain('undefined');
        expect(why('Qendra Vatra')).not.toContain('undefined');
      }
      expect(locale.footer.contact()).not.toContain('undefined');
      expect(locale.footer.contact('coordinator@prefecture-korca.example.org')).toContain(
        'coordinator@prefecture-korca.example.org',
      );
    },
  );

  it('write Albanian with ë and ç, not their look-alikes', () => {
    const albanian = [...SQ.values()]
      .map((v) =>
        typeof v === 'function' ? String((v as (...a: unknown[]) => unknown)('T', 'R', 'O', 'D')) : String(v),
      )
      .join('\n');
    expect(albanian).toContain('ë');
    expect(albanian).toMatch(/Bashkë/);
    // "e" for "ë" in the common words is the usual slip of a keyboard without the letter.
    for (const slip of [/\bne grupin\b/, /\bpersonale\b.*\bte dhena\b/, /\bkete\b/, /\bjeni pike\b/]) {
      expect(albanian).not.toMatch(slip);
    }
  });
});
