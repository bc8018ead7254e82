import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueQueue } from './due-queue';

const drain = <T>(queue: DueQueue<T>): T[] => {
  const out: T[] = [];
  for (let node = queue.pop(); node; node = queue.pop()) out.push(node.entry);
  return out;
};

describe('DueQueue: what the scheduler runs next', () => {
  it('gives the earliest due first, and checks due at the same instant in the order they were queued', () => {
    const queue = new DueQueue<string>();
    queue.push('late', 300, 0);
    queue.push('first-at-100', 100, 0);
    queue.push('early', 50, 0);
    queue.push('second-at-100', 100, 0);
    expect(queue.peek()?.entry).toBe('early');
    expect(queue.size).toBe(4);
    expect(drain(queue)).toEqual(['early', 'first-at-100', 'second-at-100', 'late']);
    expect(queue.pop()).toBeUndefined();
  });

  it('keeps the token each node was queued with, for the scheduler to tell stale nodes', () => {
    const queue = new DueQueue<string>();
    queue.push('a', 10, 1);
    queue.push('a', 20, 2);
    expect([queue.pop()?.token, queue.pop()?.token]).toEqual([1, 2]);
  });

  it('pops in the order a stable sort by due time gives, for any pushes and pops interleaved', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant('pop' as const)), { maxLength: 200 }), (ops) => {
        const queue = new DueQueue<number>();
        const model: { dueAt: number; order: number }[] = [];
        ops.forEach((op, order) => {
          if (op === 'pop') {
            model.sort((a, b) => a.dueAt - b.dueAt || a.order - b.order);
            expect(queue.pop()?.entry).toBe(model.shift()?.order);
          } else {
            queue.push(order, op, 0);
            model.push({ dueAt: op, order });
          }
        });
        model.sort((a, b) => a.dueAt - b.dueAt || a.order - b.order);
        expect(drain(queue)).toEqual(model.map((item) => item.order));
      }),
    );
  });
});
