/**
 * Throw-away self-signed certificates for the tls and http tests, made with the `openssl` CLI in
 * a temp dir. Only tests import this module.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pair {
  key: string;
  cert: string;
}

export interface TestCerts {
  /** For 127.0.0.1 and localhost, a year long. */
  valid: Pair;
  /** For 127.0.0.1 and localhost, expiring in 3 days. */
  soon: Pair;
  /** For 127.0.0.1 and localhost, valid only on 2020-01-01. */
  expired: Pair;
  /** For other.test only, a year long. */
  other: Pair;
  dispose(): void;
}

const LOCAL_SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'guardian-health-certs-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const read = (name: string): Pair => ({ key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') });

  const selfSigned = (name: string, cn: string, san: string, daysValid: number) => {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      `/CN=${cn}`,
      '-addext',
      san,
      '-days',
      String(daysValid),
    );
    return read(name);
  };

  // A certificate whose validity lies in the past: `openssl ca -selfsign` takes explicit dates.
  const pastDated = (name: string) => {
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = d',
        '[d]',
        'database = index.txt',
        'serial = serial',
        'new_certs_dir = .',
        'default_md = sha256',
        'policy = p',
        'copy_extensions = copy',
        '[p]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=127.0.0.1', '-addext', LOCAL_SAN);
    openssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-selfsign',
      '-keyfile',
      `${name}.key`,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200102000000Z',
      '-notext',
    );
    return read(name);
  };

  try {
    return {
      valid: selfSigned('valid', '127.0.0.1', LOCAL_SAN, 365),
      soon: selfSigned('soon', '127.0.0.1', LOCAL_SAN, 3),
      expired: pastDated('expired'),
      other: selfSigned('other', 'other.test', 'subjectAltName=DNS:other.test', 365),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
