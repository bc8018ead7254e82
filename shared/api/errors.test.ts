import { describe, expect, it } from 'vitest';
import { codeForStatus, HTTP_STATUS, type ErrorCode } from './errors';

describe('HTTP status of each error code', () => {
  it('reads back, for a bare status, the generic code of that status', () => {
    expect(codeForStatus(400)).toBe('VALIDATION_FAILED');
    expect(codeForStatus(401)).toBe('UNAUTHENTICATED');
    expect(codeForStatus(403)).toBe('PERMISSION_DENIED');
    expect(codeForStatus(409)).toBe('CONFLICT');
    expect(codeForStatus(500)).toBe('INTERNAL');
    expect(codeForStatus(503)).toBe('UNAVAILABLE');
  });

  it('has a code for every status Guardian sends, and none for one it never sends', () => {
    for (const [code, status] of Object.entries(HTTP_STATUS) as [ErrorCode, number][]) {
      const generic = codeForStatus(status);
      expect(generic, `${code} is sent as ${status}`).toBeDefined();
      expect(generic && HTTP_STATUS[generic]).toBe(status);
    }
    expect(codeForStatus(418)).toBeUndefined();
    expect(codeForStatus(200)).toBeUndefined();
  });
});
