import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { leanHeap, SERVE_HEAP_GROWTH_PERCENT } from './heap';
import { tempDir } from './testing/guardian';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * A process that keeps about 30 MB alive and churns through short-lived objects, some of them
 * living long enough to reach the old generation, as a poller's requests do; it prints the most
 * heap V8 held meanwhile. `--max-old-space-size=4096` fixes the ceiling V8 derives its growth
 * from, so the result does not depend on the test machine's memory.
 */
function peakHeapMb(lean: boolean): number {
  const script = join(tempDir(), 'churn.ts');
  writeFileSync(
    script,
    `import { getHeapStatistics } from 'node:v8';
import { leanHeap } from ${JSON.stringify(join(here, 'heap.ts'))};
if (${lean}) leanHeap();
const live = Array.from({ length: 200_000 }, (_, i) => ({ name: 'server-' + i, checks: [i, i + 1] }));
const recent: unknown[][] = [];
let peak = 0;
for (let round = 0; round < 60; round++) {
  const batch = Array.from({ length: 20_000 }, (_, i) => ({ message: 'result ' + i + ' of ' + round, data: new Array(8).fill(i) }));
  recent.push(batch.slice(0, 500));
  if (recent.length > 40) recent.shift();
  peak = Math.max(peak, getHeapStatistics().total_heap_size);
}
process.stdout.write(String(peak / 1e6));
// Read after the churn, so the live objects stay alive through it.
if (live.length !== 200_000) process.exit(1);
`,
  );
  const out = execFileSync(process.execPath, ['--max-old-space-size=4096', '--import', 'tsx', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return Number(out);
}

describe('the served heap', () => {
  it('holds far less memory for the same live objects once its growth is set', () => {
    const usual = peakHeapMb(false);
    const lean = peakHeapMb(true);
    // Measured here: 220-230 MB at most usually, 125 MB lean.
    expect(lean).toBeLessThan(usual * 0.75);
  });

  it('leaves the growth alone when whoever runs Guardian set it on node’s command line', () => {
    expect(leanHeap(SERVE_HEAP_GROWTH_PERCENT, ['--heap-growing-percent=80'])).toBeNull();
    expect(leanHeap(SERVE_HEAP_GROWTH_PERCENT, ['--enable-source-maps', '--heap_growing_percent=80'])).toBeNull();
  });
});
