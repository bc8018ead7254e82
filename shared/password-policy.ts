/**
 * The password rules, in one place: the core enforces them and the UI shows them live.
 * The common-password list is large, so the core passes it in; the UI asks the core.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordRuleResult {
  rule: 'length' | 'not-username' | 'not-common';
  ok: boolean;
  message: string;
}

export function checkPasswordRules(password: string, username: string, isCommon: (password: string) => boolean = () => false): PasswordRuleResult[] {
  const lower = password.toLowerCase();
  return [
    {
      rule: 'length',
      ok: password.length >= PASSWORD_MIN_LENGTH && password.length <= PASSWORD_MAX_LENGTH,
      message:
        password.length > PASSWORD_MAX_LENGTH
          ? `At most ${PASSWORD_MAX_LENGTH} characters`
          : `At least ${PASSWORD_MIN_LENGTH} characters (${password.length} so far)`,
    },
    {
      rule: 'not-username',
      ok: username.trim() === '' || lower !== username.trim().toLowerCase(),
      message: 'Is not the username',
    },
    { rule: 'not-common', ok: !isCommon(lower), message: 'Is not one of the commonly used passwords' },
  ];
}

/** The first broken rule as a sentence, or null when the password is acceptable. */
export function passwordProblem(results: PasswordRuleResult[]): string | null {
  const broken = results.find((result) => !result.ok);
  if (!broken) return null;
  switch (broken.rule) {
    case 'length':
      return `The password must be ${broken.message.toLowerCase()}.`;
    case 'not-username':
      return 'The password must not be the username.';
    case 'not-common':
      return 'That password is on the list of commonly used passwords; choose another.';
  }
}
