import { rmSync, writeFileSync } from 'node:fs';
import { AppError } from '@shared/api/errors';
import { SETUP_TOKEN_HEADER } from '@shared/api/http';
import { randomToken, sameToken } from '@core/auth/tokens';

/**
 * The first-run setup token. While Guardian has no owner, `auth.setup` makes whoever calls it the
 * owner: over HTTP that could be any page in a local browser, or anyone who can reach a fresh
 * server first. So `guardian serve` makes a one-time token at start, prints it (in the UI link,
 * `#setup=…`) and writes it to a file only this user can read; `auth.setup` over HTTP must send
 * it. The desktop app (IPC) and the CLI (`guardian user add`) act locally and need none.
 */

export interface SetupGate {
  /** Whether `auth.setup` may go ahead with the token sent (the header's value). */
  admits(sent: unknown): boolean;
  /** The owner now exists: the token is used up and its file removed. */
  spend(): void;
}

/** A new token, written to `file` (mode 0600, replacing an earlier one). */
export function issueSetupToken(file: string): { token: string; gate: SetupGate } {
  const issued = randomToken();
  let token: string | null = issued;
  // Removed first: an existing file keeps its mode when written over.
  rmSync(file, { force: true });
  writeFileSync(file, `${issued}\n`, { mode: 0o600, flag: 'wx' });
  return {
    token: issued,
    gate: {
      admits: (sent) => token !== null && typeof sent === 'string' && sameToken(sent, token),
      spend() {
        token = null;
        rmSync(file, { force: true });
      },
    },
  };
}

/** An owner exists: a token left by an earlier start is of no use any more. */
export function discardSetupToken(file: string): void {
  rmSync(file, { force: true });
}

export function setupTokenRequired(): AppError {
  return new AppError('PERMISSION_DENIED', 'Creating the first owner over HTTP needs the setup token.', {
    hint: `Use the token "guardian serve" printed at start: open the link it printed (with --ui, ending in #setup=…), or send the token (also in the file setup-token in the data folder) as the "${SETUP_TOKEN_HEADER}" header. Or create the owner on the server: guardian user add --role owner --password-stdin.`,
  });
}
