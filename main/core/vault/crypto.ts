import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';

/** A 256-bit key from the system's CSPRNG. */
export const newKey = (): Buffer => randomBytes(32);

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM with a fresh 96-bit nonce: nonce ‖ ciphertext ‖ tag. */
export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens what `seal` made; throws when the key, the AAD or any byte is not what was sealed. */
export function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed data is too short');
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  salt: string;
}

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** 2^17 × 8 × 128 B = 128 MiB and about 0.4 s here (bench/vault.ts prints it): costly to guess, quick to type. */
export const DEFAULT_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

export function newScryptParams(cost: ScryptCost = DEFAULT_SCRYPT): ScryptParams {
  return { ...cost, salt: randomBytes(16).toString('base64') };
}

/**
 * Whether Guardian derives a key with these parameters: the cost it writes itself, N one power of
 * two either way (room for a later default), r and p exactly. Parameters come from files and
 * slots anyone may have edited; anything else could ask for gigabytes and minutes of CPU.
 */
export function scryptAccepted(params: { N: number; r: number; p: number }, writes: ScryptCost): boolean {
  const powerOfTwo = Number.isInteger(params.N) && params.N > 1 && (params.N & (params.N - 1)) === 0;
  return powerOfTwo && params.N >= writes.N / 2 && params.N <= writes.N * 2 && params.r === writes.r && params.p === writes.p;
}

const scryptAsync = promisify(scrypt) as (password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions) => Promise<Buffer>;

/** scrypt on libuv's thread pool: never blocks the event loop. The caller zeroes the key. */
export function deriveKey(passphrase: string, params: ScryptParams): Promise<Buffer> {
  // Memory scrypt needs is 128·N·r; the callers have bounded N and r (scryptAccepted).
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r + 1024 * 1024 };
  const secret = Buffer.from(passphrase.normalize('NFKC'), 'utf8');
  return scryptAsync(secret, Buffer.from(params.salt, 'base64'), 32, options).finally(() => secret.fill(0));
}

/** A key file's bytes, stretched into a key (HKDF-SHA256); the file should hold ≥ 32 random bytes. The caller zeroes the key. */
export function keyFromFile(bytes: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), 'guardian vault key file', 32));
}

/** Runs `use` with a key, then overwrites the key's bytes, whatever happens. */
export async function withKey<T>(key: Buffer | Promise<Buffer>, use: (key: Buffer) => T | Promise<T>): Promise<T> {
  const bytes = await key;
  try {
    return await use(bytes);
  } finally {
    bytes.fill(0);
  }
}
