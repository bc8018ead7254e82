// Which installed packages end up inside the packaged app. electron-builder copies the production
// dependency tree; electron-vite also bundles into out/ any devDependency that product code
// imports at run time (React and the other renderer libraries), together with the packages those
// depend on; and Electron itself, a devDependency because electron-builder insists on it, is the
// runtime every installer carries. `npm ls --omit=dev` would miss the last two.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where product code lives (docs/architecture.md §2); tests and test helpers never ship. */
export const PRODUCT_DIRS = ['main', 'preload', 'renderer', 'shared'];
const NOT_PRODUCT_DIR = new Set(['node_modules', 'testing']);
const NOT_PRODUCT_FILE = /\.(test|spec)\.[cm]?[jt]sx?$|\.d\.ts$/;
const SOURCE_FILE = /\.[cm]?[jt]sx?$/;
// `import … from 'x'`, `export … from 'x'`, `import 'x'` and `import('x')`; `import type` and
// `export type` are erased by the compiler, so they do not count.
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function packageName(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function* productFiles(root, dir) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NOT_PRODUCT_DIR.has(entry.name)) yield* productFiles(root, path);
    } else if (SOURCE_FILE.test(entry.name) && !NOT_PRODUCT_FILE.test(entry.name)) {
      yield path;
    }
  }
}

/** Package name → the first product file that imports it at run time. */
export function packagesImportedByProduct(root, dirs = PRODUCT_DIRS) {
  const imported = new Map();
  for (const dir of dirs) {
    for (const file of productFiles(root, dir)) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        if (match[1]) continue;
        const name = packageName(match[2] ?? match[3]);
        if (name && !imported.has(name)) imported.set(name, file);
      }
    }
  }
  return imported;
}

/**
 * What ships but is not installed, as "who needs what": a check over a partial tree would pass
 * too easily. `shipped` is shippedPackages(root).
 */
export function missingPackages(root, shipped, { runtime = 'electron' } = {}) {
  const needed = (edge) => edge.type === 'prod' || edge.type === 'peer';
  const missing = [...root.edgesOut.values()].filter((edge) => (needed(edge) || edge.name === runtime) && !edge.to).map((edge) => edge.name);
  for (const { node } of shipped.values()) {
    if (node === root.edgesOut.get(runtime)?.to) continue;
    for (const edge of node.edgesOut.values()) if (needed(edge) && !edge.to) missing.push(`${edge.name} (for ${node.packageName})`);
  }
  return missing;
}

/**
 * Every node of an arborist tree that ships, by its location ("node_modules/x"), with why.
 * `root` is the project's arborist node (tree.root).
 */
export function shippedPackages(root, { runtime = 'electron', dirs = PRODUCT_DIRS } = {}) {
  const shipped = new Map();
  // The runtime ships as a binary build, without its npm dependencies (those only download it):
  // recorded first, so the import of 'electron' below does not pull them in.
  const runtimeNode = root.edgesOut.get(runtime)?.to;
  if (runtimeNode) shipped.set(runtimeNode.location, { node: runtimeNode, why: 'as the runtime every installer carries' });

  // Breadth first, so a package that product code imports is listed as such, not as a peer of
  // another one. An optional peer (typings, mostly) ships only if something else brings it.
  const queue = [];
  const imported = packagesImportedByProduct(root.path, dirs);
  for (const edge of root.edgesOut.values()) {
    if (edge.type !== 'dev') queue.push([edge.to, 'in the production dependency tree']);
    else if (imported.has(edge.name)) queue.push([edge.to, `bundled into out/ (${imported.get(edge.name)} imports ${edge.name})`]);
  }
  while (queue.length > 0) {
    const [node, why] = queue.shift();
    if (!node || shipped.has(node.location)) continue;
    shipped.set(node.location, { node, why });
    for (const edge of node.edgesOut.values()) {
      if (edge.type !== 'dev' && edge.type !== 'peerOptional') queue.push([edge.to, why]);
    }
  }
  return shipped;
}
