/** SSH keys for tests. Only tests import this module. */
import ssh2 from 'ssh2';

export interface Ed25519KeyOptions {
  comment?: string;
  /** Encrypts the private key with this passphrase (give `cipher` and `rounds` too). */
  passphrase?: string;
  cipher?: string;
  rounds?: number;
}

/**
 * A new ed25519 key pair in OpenSSH format, made by ssh2.
 *
 * ssh2's generateKeyPairSync drops a leading zero byte of 1 ed25519 public key in 256, making a key
 * its own parseKey refuses (mscdex/ssh2#1390): draw again until it reads back.
 */
export function ed25519Key(options: Ed25519KeyOptions = {}): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', options);
    if (!(ssh2.utils.parseKey(pair.private, options.passphrase) instanceof Error)) return pair;
  }
}
