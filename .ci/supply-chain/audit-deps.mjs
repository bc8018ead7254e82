#!/usr/bin/env node
// `npm run audit:deps`: known vulnerabilities in our dependencies, from the advisory database
// the npm registry serves (`npm audit`), over the whole lock file: Electron, the runtime that
// ships, is a devDependency, so `--omit=dev` would leave it out.
//
// Fails on a high or critical advisory in anything that ships (shipped.mjs) and on a critical
// one in a build or test tool. When the advisory service cannot be reached (our build machines
// reach the registry's packages but not its audit endpoint) it says so and exits 77, which
// .ci/test.mjs counts as skipped, never as passed. --require-advisories (the GitHub workflow)
// makes an unreachable service a failure instead.
import Arborist from '@npmcli/arborist';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shippedPackages } from './shipped.mjs';

export const SKIPPED = 77;
const RANK = { info: 0, low: 1, moderate: 2, high: 3, critical: 4 };

/**
 * Reads `npm audit --json` output: `{ unreachable }` with what npm said when the service did not
 * answer with a report, else `{ findings }`, one per package an advisory names directly.
 */
export function readAuditReport(json) {
  let report;
  try {
    report = JSON.parse(json);
  } catch {
    return { unreachable: 'npm audit printed no report' };
  }
  if (!report || typeof report.vulnerabilities !== 'object' || report.vulnerabilities === null) {
    const said = report?.message ?? report?.error?.summary ?? report?.error?.code;
    return { unreachable: typeof said === 'string' && said.trim() !== '' ? said.trim().split('\n')[0] : 'npm audit printed no report' };
  }
  const findings = [];
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    // `via` names either advisories (objects) or another vulnerable package (a string): the
    // latter is that package's finding, judged where it is installed.
    const advisories = (vulnerability.via ?? []).filter((via) => typeof via === 'object' && via !== null);
    if (advisories.length === 0) continue;
    findings.push({
      name: vulnerability.name,
      severity: vulnerability.severity,
      range: vulnerability.range,
      locations: vulnerability.nodes ?? [],
      advisories: advisories.map((advisory) => ({ title: advisory.title, url: advisory.url, severity: advisory.severity })),
      fix: vulnerability.fixAvailable,
    });
  }
  return { findings };
}

/** Which findings fail the build: high and up in what ships, critical anywhere. */
export function judgeFindings(findings, shippedLocations) {
  return findings.map((finding) => {
    const ships = finding.locations.some((location) => shippedLocations.has(location));
    const rank = RANK[finding.severity] ?? RANK.critical;
    return { ...finding, ships, fails: rank >= (ships ? RANK.high : RANK.critical) };
  });
}

function describeFix(fix) {
  if (fix === true) return 'npm audit fix';
  if (fix && typeof fix === 'object') return `${fix.name}@${fix.version}${fix.isSemVerMajor ? ' (a major upgrade)' : ''}`;
  return 'no fixed version yet';
}

async function main() {
  const requireAdvisories = process.argv.includes('--require-advisories');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const audit = spawnSync('npm', ['audit', '--json', '--fetch-retries=0', '--fetch-timeout=30000'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const { findings, unreachable } = readAuditReport(audit.stdout ?? '');
  if (unreachable !== undefined) {
    console.log(`skipped: advisory service unreachable (${audit.error?.message ?? unreachable})`);
    if (requireAdvisories) {
      console.error('The advisory service must answer here (--require-advisories): nothing was checked.');
      process.exit(1);
    }
    process.exit(SKIPPED);
  }

  const tree = await new Arborist({ path: root }).loadVirtual();
  const shipped = shippedPackages(tree);
  const judged = judgeFindings(findings, new Set(shipped.keys()));
  for (const finding of judged.sort((a, b) => (RANK[b.severity] ?? 9) - (RANK[a.severity] ?? 9))) {
    const where = finding.ships ? 'ships' : 'build/test tool only';
    const line = `${finding.fails ? 'FAIL' : 'note'} ${finding.severity} ${finding.name} ${finding.range} (${where}): ${finding.advisories.map((advisory) => `${advisory.title} ${advisory.url}`).join('; ')}; fix: ${describeFix(finding.fix)}`;
    (finding.fails ? console.error : console.log)(line);
  }
  const failing = judged.filter((finding) => finding.fails).length;
  console.log(
    `${findings.length} packages with advisories, ${failing} failing (high or critical in what ships, critical anywhere); ${shipped.size} shipped packages`,
  );
  process.exit(failing === 0 ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
