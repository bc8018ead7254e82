import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * `npm run bench -- <name> [flags]`: runs bench/<name>.ts, whose `run(args)` prints its figures.
 * Benchmarks print numbers and ratios; none asserts a time (docs/architecture.md §11).
 */

export interface Benchmark {
  run(args: string[]): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  return readdirSync(here)
    .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.endsWith('.test.ts') && !file.startsWith('_'))
    .map((file) => file.slice(0, -3))
    .sort();
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || !/^[a-z0-9-]+$/.test(name) || !existsSync(join(here, `${name}.ts`))) {
    process.stderr.write(`usage: npm run bench -- <name> [flags]\nbenchmarks: ${available().join(', ')}\n`);
    return 2;
  }
  const module = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as Partial<Benchmark>;
  if (typeof module.run !== 'function') {
    process.stderr.write(`bench/${name}.ts exports no run(args) function\n`);
    return 2;
  }
  await module.run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
