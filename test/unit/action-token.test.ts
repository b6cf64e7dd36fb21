import { createHash } from 'node:crypto';
import {
  ACTION_TOKEN_BYTES,
  hashActionToken,
  issueActionToken,
  isWellFormedToken,
} from '../../shared/domain/action-token';

/** A random source that records what it was asked for and returns fixed bytes. */
function fixedRandom(fill: (i: number) => number) {
  const requests: number[] = [];
  const random = (n: number) => {
    requests.push(n);
    return Buffer.from(Array.from({ length: n }, (_, i) => fill(i)));
  };
  return { random, requests };
}

describe('action tokens', () => {
  describe('issueActionToken', () => {
    it('asks the random source for 32 bytes (256 bits)', () => {
      const { random, requests } = fixedRandom((i) => i);

      issueActionToken(random);

      expect(ACTION_TOKEN_BYTES).toBe(32);
      expect(requests).toEqual([32]);
    });

    it('encodes the random bytes as 43 base64url characters without padding', () => {
      const { random } = fixedRandom(() => 0xff);

      const { token } = issueActionToken(random);

      expect(token).toBe(Buffer.alloc(32, 0xff).toString('base64url'));
      expect(token).toHaveLength(43);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('uses characters of the URL-safe alphabet where standard base64 would use + and /', () => {
      const { random } = fixedRandom(() => 0xfb);

      const { token } = issueActionToken(random);

      expect(Buffer.alloc(32, 0xfb).toString('base64')).toMatch(/[+/]/);
      expect(token).not.toMatch(/[+/=]/);
    });

    it('returns the SHA-256 hex of the token as the hash', () => {
      const { random } = fixedRandom((i) => (i * 7) % 256);

      const { token, hash } = issueActionToken(random);

      expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('issues different tokens from the default CSPRNG', () => {
      const tokens = new Set(Array.from({ length: 50 }, () => issueActionToken().token));

      expect(tokens.size).toBe(50);
      for (const token of tokens) expect(isWellFormedToken(token)).toBe(true);
    });

    it('does not put the token itself in the hash', () => {
      const { token, hash } = issueActionToken();

      expect(hash).not.toContain(token);
    });
  });

  describe('hashActionToken', () => {
    it('matches a known SHA-256 digest', () => {
      expect(hashActionToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });

    it('gives different hashes for tokens that differ in one character', () => {
      const token = 'A'.repeat(43);

      expect(hashActionToken(token)).not.toBe(hashActionToken(`B${token.slice(1)}`));
    });
  });

  describe('isWellFormedToken', () => {
    const good = issueActionToken(fixedRandom((i) => i * 3).random).token;

    it('accepts an issued token', () => {
      expect(isWellFormedToken(good)).toBe(true);
    });

    it.each([
      ['truncated', good.slice(0, 42)],
      ['one character longer', `${good}A`],
      ['padded with =', `${good}=`],
      ['empty', ''],
      ['standard base64 (+)', `+${good.slice(1)}`],
      ['standard base64 (/)', `/${good.slice(1)}`],
      ['with a dot', `.${good.slice(1)}`],
      ['with a space', ` ${good.slice(1)}`],
      ['with a trailing newline', `${good.slice(1)}\n`],
      ['with a percent escape', `%41${good.slice(3)}`],
      ['with a non-ASCII letter', `é${good.slice(1)}`],
      ['hex of the right length', 'a'.repeat(64)],
      ['a path traversal', `../${good.slice(3)}`],
    ])('refuses a token that is %s', (_label, token) => {
      expect(isWellFormedToken(token)).toBe(false);
    });
  });
});
