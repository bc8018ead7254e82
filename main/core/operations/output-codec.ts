import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { OutputChunk } from '@shared/api/operations';
import { AppError } from '@shared/api/errors';

/**
 * How a target's output is kept (docs/operations.md, "What is recorded"): its chunks as JSON,
 * gzip-compressed. Command output is repetitive text, so it takes a fraction of its size (a
 * target's 256 KiB cap holds far more of what a host printed than the database then keeps), and a
 * search pays a decompression per target it reads. zlib runs on libuv's thread pool: a 256 KiB
 * target compressed or read never holds the event loop.
 */

const pack = promisify(gzip);
const unpack = promisify(gunzip);

/** The chunks as the database keeps them. */
export function packOutput(chunks: readonly OutputChunk[]): Promise<Buffer> {
  return pack(Buffer.from(JSON.stringify(chunks), 'utf8'));
}

/**
 * The chunks a row holds: from `packed` when the target ended after output was compressed, else
 * the JSON it was kept as before (`legacy`).
 */
export async function unpackOutput(packed: Buffer | null, legacy: unknown): Promise<OutputChunk[]> {
  let value: unknown = legacy;
  if (packed !== null) {
    try {
      value = JSON.parse((await unpack(packed)).toString('utf8')) as unknown;
    } catch (cause) {
      throw new AppError('INTERNAL', 'A target’s stored output could not be read: it is not the compressed JSON Guardian writes.', {
        hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check.',
        retryable: false,
        cause,
      });
    }
  }
  return OutputChunk.array().parse(value);
}
