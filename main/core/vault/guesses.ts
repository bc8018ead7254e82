import { AppError } from '@shared/api/errors';
import type { Clock } from '../clock';
import type { LoginThrottle } from '../auth';

/** Who is guessing: where the call comes from and who makes it (`user:<id>`, `apiKey:<id>`). */
export interface Guesser {
  origin: string;
  actor: string;
}

/**
 * Throttles guesses at vault passphrases (unlock, a passphrase change, a full rotation), each of
 * which costs a 128 MiB scrypt: failures counted per origin and per caller as for sign-in, and one
 * guess at a time per key, so parallel calls cannot slip past the count (or exhaust memory).
 */
export class VaultGuesses {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly throttle: LoginThrottle,
    private readonly clock: Clock,
  ) {}

  async attempt<T>(who: Guesser, guess: () => Promise<T>): Promise<T> {
    const keys = [`vault-unlock:${who.origin}`, `vault-unlock:${who.actor}`];
    // Claimed before the await that reads the throttle, so parallel attempts cannot all pass.
    if (keys.some((key) => this.inFlight.has(key))) {
      throw new AppError('RATE_LIMITED', 'Another attempt to open the vault from you is still running.', {
        hint: 'Wait a few seconds for it to finish, then try again.',
      });
    }
    for (const key of keys) this.inFlight.add(key);
    try {
      const lockedUntil = await this.throttle.lockedUntil(keys);
      if (lockedUntil !== null) {
        const minutes = Math.max(1, Math.ceil((lockedUntil - this.clock.now()) / 60_000));
        throw new AppError('RATE_LIMITED', 'Too many wrong vault passphrases or key files.', {
          hint: `Unlocking is paused for you; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        });
      }
      const result = await guess();
      await this.throttle.clear(keys[1] ?? '');
      return result;
    } catch (error) {
      if (error instanceof AppError && error.code === 'VAULT_BAD_PASSPHRASE') void this.throttle.recordFailure(keys);
      throw error;
    } finally {
      for (const key of keys) this.inFlight.delete(key);
    }
  }
}
