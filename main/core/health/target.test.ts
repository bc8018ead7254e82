import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '@shared/api/checks';
import { defaultCheckName } from './target';

const spec = (type: string, config: Record<string, unknown>) => ({ type, config }) as CheckSpec;

describe('a check nobody named', () => {
  it('is named by what it is and what it watches, said once', () => {
    expect(defaultCheckName(spec('http', { url: 'http://127.0.0.1:33567/' }))).toBe('HTTP 127.0.0.1:33567/');
    expect(defaultCheckName(spec('http', { url: 'https://shop.example.com/health?deep=1' }))).toBe('HTTPS shop.example.com/health?deep=1');
    expect(defaultCheckName(spec('tcp', { host: '10.0.0.5', port: 5432 }))).toBe('TCP 10.0.0.5:5432');
    expect(defaultCheckName(spec('tcp', { host: '2001:db8::1', port: 22 }))).toBe('TCP [2001:db8::1]:22');
    expect(defaultCheckName(spec('tls', { host: 'shop.example.com', port: 443 }))).toBe('TLS shop.example.com:443');
    expect(defaultCheckName(spec('ssh-metrics', { port: 22 }), 'db.internal')).toBe('SSH metrics db.internal:22');
    expect(defaultCheckName(spec('dns', { name: 'example.com', recordType: 'MX', server: '1.1.1.1' }))).toBe('DNS MX example.com @ 1.1.1.1');
  });

  it('never says its type twice', () => {
    expect(defaultCheckName(spec('http', { url: 'http://127.0.0.1:33567/' }))).not.toMatch(/http.*http/i);
  });

  it('fits the 100 characters a check name may have', () => {
    expect(defaultCheckName(spec('http', { url: `https://example.com/${'a'.repeat(200)}` })).length).toBe(100);
  });
});
