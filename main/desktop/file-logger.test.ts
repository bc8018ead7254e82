import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileLogger, logLevelFrom } from './file-logger';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('createFileLogger', () => {
  it('creates the logs folder and writes redacted JSON lines', () => {
    dir = mkdtempSync(join(tmpdir(), 'guardian-log-'));
    const file = join(dir, 'logs', 'guardian.log');
    const { logger, flush } = createFileLogger(file, 'info');

    logger.info({ password: 'hunter2-canary' }, 'desktop started');
    logger.debug('below the level');
    flush();

    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', msg: 'desktop started', password: '[redacted]' });
  });
});

describe('logLevelFrom', () => {
  it('takes a known level and falls back to info', () => {
    expect(logLevelFrom('debug')).toBe('debug');
    expect(logLevelFrom('loud')).toBe('info');
    expect(logLevelFrom(undefined)).toBe('info');
  });
});
