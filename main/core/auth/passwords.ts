import { createRequire } from 'node:module';
import { AppError } from '@shared/api/errors';
import { checkPasswordRules, passwordProblem, type PasswordRuleResult } from '@shared/password-policy';

/** How much work one argon2id hash is: memory in KiB, passes, lanes. */
export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** What ships: argon2id (the library's default algorithm) with OWASP's recommended floor, 19 MiB and 2 passes. */
export const DEFAULT_ARGON2: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

let common: Set<string> | null = null;

/**
 * The ~49,000 most common passwords, shipped with the app in @zxcvbn-ts/language-common. Read on the
 * first password checked, not with the core: decompressing the dictionaries would cost every CLI
 * command and every start about 40 ms.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(
    (
      (createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common')).dictionary['passwords-common'] as string[]
    ).map((p) => p.toLowerCase()),
  );
  return common.has(password.toLowerCase());
}

export function passwordRules(password: string, username: string): PasswordRuleResult[] {
  return checkPasswordRules(password, username, isCommonPassword);
}

/** Refuses a password that breaks a rule, naming the rule; `field` is the input the issue points at. */
export function assertPasswordAcceptable(password: string, username: string, field = 'password'): void {
  const problem = passwordProblem(passwordRules(password, username));
  if (problem) {
    throw new AppError('VALIDATION_FAILED', problem, {
      hint: 'Choose a longer, less common password; a phrase of several words works well.',
      issues: [{ path: [field], message: problem }],
    });
  }
}

/** The argon2 binding, loaded on the first password hashed or checked: most CLI commands never need it. */
const argon2 = () => import('@node-rs/argon2');

/** An argon2id PHC string; verifying it later reads the cost from the string itself. */
export async function hashPassword(password: string, cost: Argon2Cost = DEFAULT_ARGON2): Promise<string> {
  return (await argon2()).hash(password, cost);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const { verify } = await argon2();
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

const dummies = new Map<string, Promise<string>>();

/**
 * A hash to verify against when the account does not exist, so a missing account costs the same
 * work as a wrong password (hashes of the same cost) and timing does not reveal which it was.
 */
export function dummyPasswordHash(cost: Argon2Cost = DEFAULT_ARGON2): Promise<string> {
  const key = `${cost.memoryCost}/${cost.timeCost}/${cost.parallelism}`;
  let dummy = dummies.get(key);
  if (!dummy) {
    dummy = hashPassword(`no such account ${Math.random()}`, cost);
    dummies.set(key, dummy);
  }
  return dummy;
}
