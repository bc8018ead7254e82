import { describe, expect, it } from 'vitest';
import { CHECK_CONFIGS, CHECK_TYPES } from '@shared/health';
import { checkTypes } from './index';

describe('the check registry', () => {
  it('runs every type the contract offers and no other, each under its own name with the contract’s schema', () => {
    expect(Object.keys(checkTypes).sort()).toEqual([...CHECK_TYPES].sort());
    for (const [name, check] of Object.entries(checkTypes)) {
      expect(check.type).toBe(name);
      expect(typeof check.run).toBe('function');
      expect(check.configSchema).toBe(CHECK_CONFIGS[name as keyof typeof CHECK_CONFIGS]);
    }
  });

  it('refuses a config through the type’s own schema', () => {
    expect(checkTypes.http.configSchema.safeParse({ url: 'ftp://example.test/' }).success).toBe(false);
    expect(checkTypes.tls.configSchema.safeParse({ host: 'example.test' }).data).toMatchObject({ port: 443, expiryDegradedDays: 14 });
  });
});
