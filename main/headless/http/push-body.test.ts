import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUSH_MAX_BYTES } from '@shared/api/operations';
import { CHEAP_SCRYPT } from '@core/testing/harness';
import { errorOf, send, type BrowserSession } from '../testing/http-client';
import { serveTempCore, signedInAccount, type ServedCore } from '../testing/served-core';

// operations.push over the real HTTP server: a file at the push's limit (6 MiB, 8 MiB as base64)
// fits the API's body limit and reaches the contract's checks; one byte more is the contract's
// field error, not the server's refusal of the body.

let served: ServedCore;
let admin: BrowserSession;

beforeAll(async () => {
  served = await serveTempCore({ prefix: 'guardian-push-body-', vaultScryptCost: CHEAP_SCRYPT });
  admin = await signedInAccount(served, { username: 'adele', password: 'amber lanterns at noon', role: 'admin' });
}, 60_000);
afterAll(async () => {
  await served?.close();
});

const push = (content: string) =>
  send(served.url, 'POST', 'api/v1/operations/push', { headers: admin.write, body: { targets: { tags: ['nowhere'] }, path: '/etc/app.conf', content } });

describe('POST /api/v1/operations/push', () => {
  it('takes a file at the limit as far as the contract, and refuses a larger one with a field error', async () => {
    const atLimit = await push(Buffer.alloc(PUSH_MAX_BYTES, 7).toString('base64'));
    // No server is tagged nowhere: the content passed every check before that one.
    expect(errorOf(atLimit)).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['targets'], message: 'Matches no server' }] });

    const over = await push(Buffer.alloc(PUSH_MAX_BYTES + 1, 7).toString('base64'));
    expect(over.status).toBe(400);
    expect(errorOf(over)).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['content'], message: 'A file is at most 6 MiB' }] });
  });
});
