#!/usr/bin/env node
// `npm run licenses`: every package that ships in the app (shipped.mjs) must carry a license on
// the allow-list in licenses.json, or be listed there as an exception with a reason. licensee
// reads each installed package.json (with the community corrections for old `licenses` arrays)
// and matches SPDX expressions, so "(MIT OR GPL-3.0)" passes and "GPL-3.0" does not.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { missingPackages, shippedPackages } from './shipped.mjs';

const licensee = createRequire(import.meta.url)('licensee');

export const DEFAULT_POLICY = fileURLToPath(new URL('licenses.json', import.meta.url));

/** The policy file, refused when an exception lacks what a reviewer needs to judge it. */
export function readPolicy(file) {
  const policy = JSON.parse(readFileSync(file, 'utf8'));
  const problems = [];
  if (!Array.isArray(policy.allow) || policy.allow.length === 0) problems.push('"allow" must list SPDX identifiers');
  for (const [index, exception] of (policy.exceptions ?? []).entries()) {
    for (const field of ['package', 'versions', 'license', 'reason']) {
      if (typeof exception[field] !== 'string' || exception[field].trim() === '') problems.push(`exceptions[${index}] needs "${field}"`);
    }
  }
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return { allow: policy.allow, exceptions: policy.exceptions ?? [] };
}

function runLicensee(root, configuration) {
  return new Promise((resolve, reject) => {
    licensee(configuration, root, (error, results) => (error ? reject(error) : resolve(results)));
  });
}

/**
 * Checks what ships under `root` against the policy. Returns every package checked (name,
 * version, license, why it ships, whether it passed and through which exception), and the
 * exceptions that match no shipped package any more.
 */
export async function checkLicenses(root, policy, { dirs } = {}) {
  let shipped = new Map();
  const results = await runLicensee(root, {
    licenses: { spdx: policy.allow },
    packages: Object.fromEntries(policy.exceptions.map((exception) => [exception.package, exception.versions])),
    corrections: true,
    filterPackages(nodes) {
      const projectRoot = nodes[0]?.root;
      if (!projectRoot) throw new Error('nothing is installed: run npm ci first');
      shipped = shippedPackages(projectRoot, { dirs });
      const missing = missingPackages(projectRoot, shipped);
      if (missing.length > 0) throw new Error(`not installed: ${missing.join(', ')}; run npm ci first`);
      return nodes.filter((node) => shipped.has(node.location));
    },
  });
  const whyByPath = new Map([...shipped.values()].map(({ node, why }) => [node.realpath, why]));
  const packages = results.map((result) => ({
    name: result.name,
    version: result.version,
    license: typeof result.license === 'string' ? result.license : null,
    why: whyByPath.get(result.path) ?? 'in the app',
    approved: result.approved === true,
    exception: result.package ? policy.exceptions.find((exception) => exception.package === result.name) : undefined,
  }));
  const stale = policy.exceptions.filter((exception) => !packages.some((pkg) => pkg.exception === exception));
  return { packages, stale };
}

function report({ packages, stale }) {
  const byLicense = new Map();
  for (const pkg of packages.filter((entry) => entry.approved && !entry.exception)) byLicense.set(pkg.license, (byLicense.get(pkg.license) ?? 0) + 1);
  const byWhy = new Map();
  for (const pkg of packages) {
    const kind = pkg.why.split(' (')[0];
    byWhy.set(kind, (byWhy.get(kind) ?? 0) + 1);
  }
  const refused = packages.filter((pkg) => !pkg.approved);
  const excepted = packages.filter((pkg) => pkg.approved && pkg.exception);
  console.log(`${packages.length} shipped packages checked (${[...byWhy].map(([why, count]) => `${count} ${why}`).join(', ')})`);
  console.log(
    `allowed licenses: ${[...byLicense]
      .sort((a, b) => b[1] - a[1])
      .map(([license, count]) => `${license} ${count}`)
      .join(', ')}`,
  );
  for (const pkg of excepted) console.log(`exception: ${pkg.name}@${pkg.version} (${pkg.exception.license}): ${pkg.exception.reason}`);
  for (const pkg of refused) {
    console.error(`NOT ALLOWED: ${pkg.name}@${pkg.version} is ${pkg.license ?? 'without a declared license'}; it ships ${pkg.why}`);
  }
  for (const exception of stale) {
    console.error(`STALE EXCEPTION: ${exception.package}@${exception.versions} matches no shipped package; remove it from the policy`);
  }
  if (refused.length > 0) {
    console.error('Replace the package, or, if its license lets us ship it, add it to "exceptions" with the reason (.ci/supply-chain/licenses.json).');
  }
  return refused.length === 0 && stale.length === 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const policyFlag = process.argv.indexOf('--policy');
  const policyFile = policyFlag > 0 ? process.argv[policyFlag + 1] : DEFAULT_POLICY;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    process.exit(report(await checkLicenses(root, readPolicy(policyFile))) ? 0 : 1);
  } catch (error) {
    console.error(`licenses: ${error.message}`);
    process.exit(1);
  }
}
