import { describe, expect, it } from 'vitest';
import { eventGate } from './gate';

/** A subscriber's access a test decides, read by read. */
function accessControl() {
  const reads: { resolve: (access: string | null) => void; reject: (error: Error) => void }[] = [];
  return {
    reads,
    access: () => new Promise<string | null>((resolve, reject) => reads.push({ resolve, reject })),
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the event gate', () => {
  it('delivers in emitted order, each event after a read that began once it was emitted', async () => {
    const control = accessControl();
    const delivered: string[] = [];
    let ended = 0;
    const gate = eventGate<number, string>({ access: control.access, deliver: (n, who) => delivered.push(`${who}:${n}`), end: () => ended++ });

    gate.push(1);
    // 1's read began alone: 2 waits for the next one.
    gate.push(2);
    expect(control.reads).toHaveLength(1);
    control.reads[0]?.resolve('vera');
    await settle();
    expect(delivered).toEqual(['vera:1']);
    expect(control.reads).toHaveLength(2);
    // 2's read began before 3 was emitted: 3 waits for a read of its own.
    gate.push(3);
    control.reads[1]?.resolve('vera (viewer)');
    await settle();
    expect(delivered).toEqual(['vera:1', 'vera (viewer):2']);
    expect(control.reads).toHaveLength(3);
    control.reads[2]?.resolve('vera (auditor)');
    await settle();
    expect(delivered).toEqual(['vera:1', 'vera (viewer):2', 'vera (auditor):3']);
    expect(ended).toBe(0);
  });

  it('ends once, delivering nothing more, when the access is gone or cannot be read', async () => {
    for (const outcome of ['gone', 'unreadable'] as const) {
      const control = accessControl();
      const delivered: number[] = [];
      let ended = 0;
      const gate = eventGate<number, string>({ access: control.access, deliver: (n) => delivered.push(n), end: () => ended++ });
      gate.push(1);
      if (outcome === 'gone') control.reads[0]?.resolve(null);
      else control.reads[0]?.reject(new Error('the database is closing'));
      await settle();
      gate.push(2);
      await settle();
      expect({ outcome, delivered, ended, reads: control.reads.length }).toEqual({ outcome, delivered: [], ended: 1, reads: 1 });
    }
  });

  it('delivers nothing after close, not even what was waiting', async () => {
    const control = accessControl();
    const delivered: number[] = [];
    const gate = eventGate<number, string>({ access: control.access, deliver: (n) => delivered.push(n), end: () => expect.fail('closed, not ended') });
    gate.push(1);
    gate.push(2);
    gate.close();
    control.reads[0]?.resolve('vera');
    await settle();
    gate.push(3);
    await settle();
    expect(delivered).toEqual([]);
    expect(control.reads).toHaveLength(1);
  });
});
