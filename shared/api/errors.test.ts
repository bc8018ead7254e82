import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codeForStatus, HTTP_STATUS, zodIssues, type ErrorCode } from './errors';

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

describe('field errors of an input no branch of a union took', () => {
  const change = z.union([
    z.strictObject({ id: z.string() }),
    z.discriminatedUnion('type', [z.strictObject({ id: z.string(), type: z.literal('webhook'), config: z.strictObject({ url: z.url() }).optional() })]),
  ]);
  const issuesFor = (input: unknown) => {
    const parsed = change.safeParse(input);
    if (parsed.success) throw new Error('the input was taken');
    return zodIssues(parsed.error);
  };

  it('names the field the branch that got furthest refused, not the whole value', () => {
    expect(issuesFor({ id: 'c1', type: 'webhook', config: { url: 'not a url' } })).toEqual([{ path: ['config', 'url'], message: 'Invalid URL' }]);
  });

  it('keeps the union’s own word when every branch refused the whole value', () => {
    expect(issuesFor('c1')).toEqual([{ path: [], message: expect.stringMatching(/invalid input/i) }]);
  });

  it('puts a union’s fields under the field the union is', () => {
    const parsed = z.strictObject({ channel: change }).safeParse({ channel: { id: 'c1', type: 'webhook', config: { url: 'nope' } } });
    expect(parsed.success ? [] : zodIssues(parsed.error)).toEqual([{ path: ['channel', 'config', 'url'], message: 'Invalid URL' }]);
  });
});
