import { describe, expect, it } from 'vitest';
import { checkTypes } from './index';

describe('the check registry', () => {
  it('holds every type under its own name, each with a schema and a run', () => {
    expect(Object.keys(checkTypes).sort()).toEqual(['dns', 'game', 'http', 'ssh', 'ssh-metrics', 'tcp', 'tls']);
    for (const [name, check] of Object.entries(checkTypes)) {
      expect(check.type).toBe(name);
      expect(typeof check.run).toBe('function');
      expect(typeof check.configSchema.safeParse).toBe('function');
    }
  });

  it('refuses a config through the type’s own schema', () => {
    expect(checkTypes.http.configSchema.safeParse({ url: 'ftp://example.test/' }).success).toBe(false);
    expect(checkTypes.tls.configSchema.safeParse({ host: 'example.test' }).data).toMatchObject({ port: 443, expiryDegradedDays: 14 });
  });
});
