/**
 * The scheduler's queue of what is due next (docs/architecture.md §7): a binary min-heap by due
 * time, so the next due check is found in O(log n) rather than by sorting all of them. A node
 * carries the token its entry had when queued; the scheduler skips nodes whose entry has been
 * queued again since (stale), so rescheduling never searches the heap.
 */

export interface QueueNode<T> {
  entry: T;
  dueAt: number;
  token: number;
  /** Push order: checks due at the same instant run in the order they were queued. */
  order: number;
}

const before = <T>(a: QueueNode<T>, b: QueueNode<T>) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order);

/** A binary min-heap of queue nodes by due time: the next due check in O(log n), not a sort of all of them. */
export class DueQueue<T> {
  private readonly nodes: QueueNode<T>[] = [];
  private pushed = 0;

  get size(): number {
    return this.nodes.length;
  }

  peek(): QueueNode<T> | undefined {
    return this.nodes[0];
  }

  push(entry: T, dueAt: number, token: number): void {
    const node: QueueNode<T> = { entry, dueAt, token, order: this.pushed++ };
    const nodes = this.nodes;
    nodes.push(node);
    let i = nodes.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(node, nodes[parent] as QueueNode<T>)) break;
      nodes[i] = nodes[parent] as QueueNode<T>;
      i = parent;
    }
    nodes[i] = node;
  }

  pop(): QueueNode<T> | undefined {
    const nodes = this.nodes;
    const top = nodes[0];
    const last = nodes.pop();
    if (top === undefined || last === undefined || nodes.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= nodes.length) break;
      const right = left + 1;
      const child = right < nodes.length && before(nodes[right] as QueueNode<T>, nodes[left] as QueueNode<T>) ? right : left;
      if (!before(nodes[child] as QueueNode<T>, last)) break;
      nodes[i] = nodes[child] as QueueNode<T>;
      i = child;
    }
    nodes[i] = last;
    return top;
  }
}
