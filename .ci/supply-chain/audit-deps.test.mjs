// How `npm audit` output is judged: an error instead of a report is "unreachable" (skipped, never
// passed); high advisories fail where the package ships, critical ones everywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeFindings, readAuditReport } from './audit-deps.mjs';

const advisory = (name, severity) => ({
  source: 1,
  name,
  dependency: name,
  title: `${name} is broken`,
  url: `https://example.org/${name}`,
  severity,
  range: '<2.0.0',
});

/** The shape `npm audit --json` prints (auditReportVersion 2). */
const REPORT = JSON.stringify({
  auditReportVersion: 2,
  vulnerabilities: {
    electron: {
      name: 'electron',
      severity: 'high',
      isDirect: true,
      via: [advisory('electron', 'high')],
      effects: [],
      range: '<41.10.1',
      nodes: ['node_modules/electron'],
      fixAvailable: { name: 'electron', version: '41.10.1', isSemVerMajor: false },
    },
    'dev-server': {
      name: 'dev-server',
      severity: 'high',
      isDirect: false,
      via: [advisory('dev-server', 'high')],
      effects: ['bundler'],
      range: '<2.0.0',
      nodes: ['node_modules/dev-server'],
      fixAvailable: true,
    },
    bundler: {
      name: 'bundler',
      severity: 'high',
      isDirect: true,
      via: ['dev-server'],
      effects: [],
      range: '*',
      nodes: ['node_modules/bundler'],
      fixAvailable: true,
    },
    'test-runner': {
      name: 'test-runner',
      severity: 'critical',
      isDirect: true,
      via: [advisory('test-runner', 'critical')],
      effects: [],
      range: '<3.0.0',
      nodes: ['node_modules/test-runner'],
      fixAvailable: false,
    },
    'date-lib': {
      name: 'date-lib',
      severity: 'moderate',
      isDirect: false,
      via: [advisory('date-lib', 'moderate')],
      effects: [],
      range: '<1.2.0',
      nodes: ['node_modules/date-lib'],
      fixAvailable: true,
    },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 3, critical: 1, total: 5 } },
});

describe('npm audit, judged', () => {
  it('reads an error from the advisory service as unreachable, with what npm said, and no findings', () => {
    const refused = JSON.stringify({ message: '405 Method Not Allowed - POST /advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } });
    assert.deepEqual(readAuditReport(refused), { unreachable: '405 Method Not Allowed - POST /advisories/bulk' });
    assert.deepEqual(readAuditReport(''), { unreachable: 'npm audit printed no report' });
    assert.deepEqual(readAuditReport(JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND' } })), {
      unreachable: 'getaddrinfo ENOTFOUND',
    });
  });

  it('keeps only packages an advisory names directly, not the ones that merely depend on them', () => {
    assert.deepEqual(
      readAuditReport(REPORT)
        .findings.map((finding) => finding.name)
        .sort(),
      ['date-lib', 'dev-server', 'electron', 'test-runner'],
    );
  });

  it('fails a high advisory in the shipped runtime, a critical one in a test tool, and nothing else', () => {
    const shipped = new Set(['node_modules/electron', 'node_modules/date-lib']);
    const judged = judgeFindings(readAuditReport(REPORT).findings, shipped);
    const failing = judged
      .filter((finding) => finding.fails)
      .map((finding) => finding.name)
      .sort();
    assert.deepEqual(failing, ['electron', 'test-runner']);
    assert.equal(judged.find((finding) => finding.name === 'dev-server').ships, false);
  });

  it('passes a clean report', () => {
    const clean = JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { total: 0 } } });
    assert.deepEqual(judgeFindings(readAuditReport(clean).findings, new Set()), []);
  });
});
