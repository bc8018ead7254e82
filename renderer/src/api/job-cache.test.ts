import { describe, expect, it } from 'vitest';
import { job } from '../testing/fixtures';
import { newerJob } from './job-cache';

describe('newerJob', () => {
  it('keeps a finished job when a late progress snapshot arrives', () => {
    const done = job({ status: 'succeeded', done: 10, total: 10 });
    expect(newerJob(done, job({ status: 'running', done: 7, total: 10 }))).toBe(done);
  });

  it('never lets progress go backwards while running, and takes real progress', () => {
    const at5 = job({ status: 'running', done: 5, total: 10 });
    expect(newerJob(at5, job({ status: 'running', done: 3, total: 10 }))).toBe(at5);
    const at8 = job({ status: 'running', done: 8, total: 10 });
    expect(newerJob(at5, at8)).toBe(at8);
  });
});
