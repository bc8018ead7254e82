import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken, randomToken, sameToken } from './tokens';

/**
 * Session tokens, CSRF tokens, API keys and the first-run setup token: unguessable when made,
 * stored only as a hash, and compared without a shortcut that would tell an attacker how much
 * of a guess was right.
 */

describe('randomToken', () => {
  it('is 256 random bits, URL-safe, never the same twice', () => {
    const tokens = Array.from({ length: 200 }, () => randomToken());
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('starts with the prefix asked for (an API key says what it is: gdn_…)', () => {
    const key = randomToken('gdn_');
    expect(key).toMatch(/^gdn_[A-Za-z0-9_-]{43}$/);
    expect(randomToken('gdn_')).not.toBe(key);
  });
});

describe('hashToken', () => {
  it('stores SHA-256 of the token in hex, never the token itself', () => {
    const token = randomToken();
    const stored = hashToken(token);
    expect(stored).toBe(createHash('sha256').update(token).digest('hex'));
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(token);
    expect(hashToken(token)).toBe(stored);
    expect(hashToken(`${token}x`)).not.toBe(stored);
  });
});

describe('sameToken', () => {
  const csrf = randomToken();

  it('accepts the exact token', () => {
    expect(sameToken(csrf, `${csrf}`)).toBe(true);
  });

  it('refuses a token differing in one character, at the start, the middle or the end', () => {
    for (const at of [0, 21, 42]) {
      const changed = csrf.slice(0, at) + (csrf[at] === 'A' ? 'B' : 'A') + csrf.slice(at + 1);
      expect(sameToken(changed, csrf)).toBe(false);
    }
  });

  it('refuses a shorter or longer guess, and nothing at all, without throwing', () => {
    expect(sameToken(csrf.slice(0, -1), csrf)).toBe(false);
    expect(sameToken(`${csrf}A`, csrf)).toBe(false);
    expect(sameToken('', csrf)).toBe(false);
    expect(sameToken(csrf, '')).toBe(false);
  });

  it('compares bytes, so characters of another width are no way around it', () => {
    // 'é' is two bytes in UTF-8, as long as 'ab'.
    expect(sameToken('é', 'ab')).toBe(false);
    expect(sameToken('é', 'é')).toBe(true);
  });
});
