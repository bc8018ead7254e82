import { describe, expect, it } from 'vitest';
import { AppError, validationError } from '@shared/api';
import { previousSecretFor } from './ChannelDialog';
import { placeErrors, splitList } from './form-errors';

const KNOWN = ['name', 'config', 'config.url', 'match.tags'];

describe('placeErrors', () => {
  it('puts each issue under the longest field its path starts with, a list entry on its list', () => {
    const placed = placeErrors(
      validationError([
        { path: ['config', 'url'], message: 'Not a URL' },
        { path: ['config', 'timeoutMs'], message: 'At most 60 s' },
        { path: ['match', 'tags', 0], message: 'Bad tag' },
      ]),
      KNOWN,
    );
    expect(placed).toEqual({ fields: { 'config.url': 'Not a URL', config: 'At most 60 s', 'match.tags': 'Entry 1: Bad tag' }, banner: null });
  });

  it('keeps an issue on no known field in the banner, with the hint', () => {
    const placed = placeErrors(validationError([{ path: ['owner'], message: 'Unknown key' }]), KNOWN);
    expect(placed.fields).toEqual({});
    expect(placed.banner).toEqual({ message: 'owner: Unknown key', hint: 'Correct the fields named above and try again.' });
  });

  it('shows another code’s message and hint', () => {
    const placed = placeErrors(new AppError('NOT_FOUND', 'There is no alert channel x.', { hint: 'List the channels.' }), KNOWN);
    expect(placed).toEqual({ fields: {}, banner: { message: 'There is no alert channel x.', hint: 'List the channels.' } });
  });
});

describe('splitList', () => {
  it('takes commas and lines, and drops empty entries', () => {
    expect(splitList(' prod, web\n\n10.0.0.0/8 ,')).toEqual(['prod', 'web', '10.0.0.0/8']);
  });
});

describe('previousSecretFor', () => {
  const channel = { secretId: 'new', previousSecretId: null } as Parameters<typeof previousSecretFor>[0];
  it('keeps the old secret signing when it is replaced, unless told not to', () => {
    expect(previousSecretFor(channel, 'newer', true)).toBe('new');
    expect(previousSecretFor(channel, 'newer', false)).toBeNull();
    expect(previousSecretFor(channel, 'new', true)).toBeUndefined();
  });
  it('ends a rotation when the previous secret is let go', () => {
    const rotating = { secretId: 'new', previousSecretId: 'old' } as Parameters<typeof previousSecretFor>[0];
    expect(previousSecretFor(rotating, 'new', true)).toBeUndefined();
    expect(previousSecretFor(rotating, 'new', false)).toBeNull();
  });
});
