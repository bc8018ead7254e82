import { describe, expect, it } from 'vitest';
import { canonicalDetails } from './chain';
import { redactDetails } from './redact';

describe('redactDetails', () => {
  it('replaces the value of every secret-looking key, at any depth', () => {
    const details = {
      name: 'web-1',
      password: 'hunter2',
      apiToken: 'tok_123',
      ssh: { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----', user: 'deploy', nested: { clientSecret: 's3cr3t', passphrase: 'p' } },
      accounts: [{ login: 'a', credentials: 'c' }],
      content: 'name,host\nweb-1,10.0.0.1\n',
    };

    const kept = redactDetails(details);

    expect(kept).toEqual({
      name: 'web-1',
      password: '[redacted]',
      apiToken: '[redacted]',
      ssh: { privateKey: '[redacted]', user: 'deploy', nested: { clientSecret: '[redacted]', passphrase: '[redacted]' } },
      accounts: [{ login: 'a', credentials: '[redacted]' }],
      content: '[redacted]',
    });
    expect(JSON.stringify(kept)).not.toMatch(/hunter2|tok_123|BEGIN OPENSSH|s3cr3t/);
  });

  it('redacts whole objects under a secret key, not only strings', () => {
    expect(redactDetails({ secret: { value: 'x', other: [1, 2] } })).toEqual({ secret: '[redacted]' });
  });

  it('replaces long strings by their length and keeps short ones', () => {
    const notes = 'n'.repeat(5000);
    expect(redactDetails({ notes, name: 'db-1', exactly200: 'x'.repeat(200) })).toEqual({
      notes: '[5000 characters]',
      name: 'db-1',
      exactly200: 'x'.repeat(200),
    });
  });

  it('keeps at most 50 items of an array', () => {
    const tags = Array.from({ length: 500 }, (_, index) => `tag-${index}`);
    const kept = redactDetails({ tags }) as { tags: string[] };
    expect(kept.tags).toHaveLength(50);
    expect(kept.tags).toEqual(tags.slice(0, 50));
  });

  it('fills the holes of a sparse array, so its canonical JSON is JSON', () => {
    // eslint-disable-next-line no-sparse-arrays -- what IPC's structured clone delivers
    const kept = redactDetails({ tags: [, 'web', , 1n] });
    expect(kept).toStrictEqual({ tags: [undefined, 'web', undefined, '1n'] });
    expect(JSON.parse(canonicalDetails(kept))).toEqual({ tags: [null, 'web', null, '1n'] });
  });

  it('cuts off very deep nesting instead of copying it all', () => {
    const deep = { a: { b: { c: { d: { e: { f: 'bottom' } } } } } };
    expect(JSON.stringify(redactDetails(deep))).not.toContain('bottom');
    expect(JSON.stringify(redactDetails(deep))).toContain('[nested]');
  });

  it('passes plain values through', () => {
    expect(redactDetails(42)).toBe(42);
    expect(redactDetails(null)).toBeNull();
    expect(redactDetails(undefined)).toBeUndefined();
    expect(redactDetails(true)).toBe(true);
  });
});

describe('redactDetails on HTTP credentials', () => {
  it('masks credential headers by name, whatever their case', () => {
    const kept = redactDetails({
      spec: {
        type: 'http',
        config: {
          url: 'https://shop.example.com/health',
          headers: {
            Authorization: 'Bearer abc123',
            'Proxy-Authorization': 'Basic Zm9vOmJhcg==',
            Cookie: 'sid=s3ss10n',
            'X-Api-Key': 'k-123',
            'X-Vault-Token': 't-1',
            Accept: 'text/html',
          },
        },
      },
    });
    expect(kept).toEqual({
      spec: {
        type: 'http',
        config: {
          url: 'https://shop.example.com/health',
          headers: {
            Authorization: '[redacted]',
            'Proxy-Authorization': '[redacted]',
            Cookie: '[redacted]',
            'X-Api-Key': '[redacted]',
            'X-Vault-Token': '[redacted]',
            Accept: 'text/html',
          },
        },
      },
    });
  });

  it('masks the user info of a URL and the credential after an auth scheme, anywhere in a string', () => {
    const kept = redactDetails({
      url: 'https://monitor:hunter2@shop.example.com/health?x=1',
      note: 'was ftp://bob@files.example.com and http://a:b@c/ before',
      headers: { 'X-Custom': 'Bearer eyJhbGciOi.x-y_z' },
      plain: 'https://shop.example.com/a@b',
    });
    expect(kept).toEqual({
      url: 'https://[redacted]@shop.example.com/health?x=1',
      note: 'was ftp://[redacted]@files.example.com and http://[redacted]@c/ before',
      headers: { 'X-Custom': 'Bearer [redacted]' },
      plain: 'https://shop.example.com/a@b',
    });
    expect(JSON.stringify(kept)).not.toMatch(/hunter2|eyJhbGciOi|bob|a:b/);
  });

  it('shows a NUL as ␀, which PostgreSQL’s jsonb cannot hold (a refused path or command with one is still audited)', () => {
    expect(redactDetails({ path: '/etc/x\0y' })).toEqual({ path: '/etc/x\u2400y' });
  });
});
