import { describe, expect, it } from 'vitest';
import type { UpdateChannel, UpdatesStatus, UpdateState } from '@shared/api/updates';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { failure, success, useTempCore } from '../testing/harness';
import { HEADLESS_UPDATES_REASON, type UpdatesControl } from './handlers';
import { rowsOf } from '../testing/rows';

/** The desktop's control as the core sees it, driven by hand. */
class FakeControl implements UpdatesControl {
  supported = true;
  reason: string | null = null;
  channel: UpdateChannel = 'stable';
  state: UpdateState = { kind: 'idle' };
  checks = 0;
  installs = 0;
  private readonly listeners = new Set<(status: UpdatesStatus) => void>();

  status(): UpdatesStatus {
    return { supported: this.supported, reason: this.reason, channel: this.channel, state: this.state };
  }
  check(): void {
    this.checks += 1;
    this.move({ kind: 'checking' });
  }
  setChannel(channel: UpdateChannel): void {
    this.channel = channel;
  }
  install(): boolean {
    if (this.state.kind !== 'downloaded') return false;
    this.installs += 1;
    this.state = { kind: 'installing', version: this.state.version };
    return true;
  }
  onChange(listener: (status: UpdatesStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  move(state: UpdateState): void {
    this.state = state;
    for (const listener of this.listeners) listener(this.status());
  }
}

const env = useTempCore({ prefix: 'guardian-updates-', lazy: true });
const call = (name: string, input: unknown = {}, principal: Principal = LOCAL_OWNER) => env.core.router.call(principal, name, input, { origin: 'test' });

const auditRows = () =>
  rowsOf(env.core).all<{ action: string; outcome: string; target: string }>(
    "SELECT action, outcome, target FROM audit_events WHERE action LIKE 'updates.%' ORDER BY seq",
  );

describe('updates headless (no control)', () => {
  it('are not supported, with the reason; changing them is NOT_SUPPORTED_HERE (not retryable) with it as the hint, and audited', async () => {
    await env.start();
    expect(success(await call('updates.status'))).toEqual({ supported: false, reason: HEADLESS_UPDATES_REASON, channel: 'stable', state: { kind: 'idle' } });
    for (const [name, input] of [
      ['updates.check', {}],
      ['updates.setChannel', { channel: 'beta' }],
      ['updates.install', {}],
    ] as const) {
      expect(failure(await call(name, input))).toMatchObject({ code: 'NOT_SUPPORTED_HERE', hint: HEADLESS_UPDATES_REASON, retryable: false });
    }
    expect(await auditRows()).toEqual([
      { action: 'updates.check', outcome: 'NOT_SUPPORTED_HERE', target: 'updates' },
      { action: 'updates.setChannel', outcome: 'NOT_SUPPORTED_HERE', target: 'updates' },
      { action: 'updates.install', outcome: 'NOT_SUPPORTED_HERE', target: 'updates' },
    ]);
  });
});

describe('updates with the desktop control', () => {
  it('answer the control’s status and emit update.status on every change', async () => {
    const control = new FakeControl();
    await env.start({ mode: 'desktop', updates: control });
    const emitted: unknown[] = [];
    env.core.events.subscribe((name, payload) => {
      if (name === 'update.status') emitted.push(payload);
    });

    control.move({ kind: 'downloading', version: '1.4.0', percent: 42 });
    expect(success(await call('updates.status'))).toEqual({
      supported: true,
      reason: null,
      channel: 'stable',
      state: { kind: 'downloading', version: '1.4.0', percent: 42 },
    });
    expect(emitted).toEqual([{ supported: true, reason: null, channel: 'stable', state: { kind: 'downloading', version: '1.4.0', percent: 42 } }]);

    await env.stop();
    control.move({ kind: 'downloaded', version: '1.4.0' });
    expect(emitted).toHaveLength(1);
  });

  it('check now, switch the channel, each audited', async () => {
    const control = new FakeControl();
    await env.start({ mode: 'desktop', updates: control });
    expect(success(await call('updates.check'))).toMatchObject({ state: { kind: 'checking' } });
    expect(control.checks).toBe(1);
    expect(success(await call('updates.setChannel', { channel: 'beta' }))).toMatchObject({ channel: 'beta' });
    expect(failure(await call('updates.setChannel', { channel: 'nightly' })).code).toBe('VALIDATION_FAILED');
    expect(control.channel).toBe('beta');
    expect(await auditRows()).toEqual([
      { action: 'updates.check', outcome: 'ok', target: 'updates' },
      { action: 'updates.setChannel', outcome: 'ok', target: 'updates' },
      { action: 'updates.setChannel', outcome: 'VALIDATION_FAILED', target: 'updates' },
    ]);
  });

  it('install only a downloaded update; otherwise CONFLICT with a hint for the state', async () => {
    const control = new FakeControl();
    await env.start({ mode: 'desktop', updates: control });
    expect(failure(await call('updates.install'))).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/Check for updates first/) });
    control.move({ kind: 'downloading', version: '1.4.0', percent: 42 });
    expect(failure(await call('updates.install'))).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/still downloading \(42 %\)/) });
    expect(control.installs).toBe(0);

    control.move({ kind: 'downloaded', version: '1.4.0' });
    expect(success(await call('updates.install'))).toMatchObject({ state: { kind: 'installing', version: '1.4.0' } });
    expect(control.installs).toBe(1);
    expect((await auditRows()).map((row) => row.outcome)).toEqual(['CONFLICT', 'CONFLICT', 'ok']);
  });

  it('refuse a development build the same way, with its reason', async () => {
    const control = new FakeControl();
    control.supported = false;
    control.reason = 'This is a development build: there is no installed app to replace.';
    await env.start({ mode: 'desktop', updates: control });
    expect(success(await call('updates.status'))).toMatchObject({ supported: false, reason: control.reason });
    expect(failure(await call('updates.check'))).toMatchObject({ code: 'NOT_SUPPORTED_HERE', hint: control.reason });
    expect(control.checks).toBe(0);
  });

  it('let a viewer read the status but not act on it', async () => {
    const control = new FakeControl();
    await env.start({ mode: 'desktop', updates: control });
    const viewer: Principal = { kind: 'user', id: 'viewer-1', name: 'a viewer', role: 'viewer' };
    expect(success(await call('updates.status', {}, viewer))).toMatchObject({ supported: true });
    expect(failure(await call('updates.check', {}, viewer)).code).toBe('PERMISSION_DENIED');
    expect(failure(await call('updates.install', {}, viewer)).code).toBe('PERMISSION_DENIED');
    expect(control.checks).toBe(0);
  });
});
