/**
 * A text quoted for a POSIX shell, as one word: inside single quotes, each ' closed, escaped and
 * opened again. For what Guardian sends an sshd to run (ssh-metrics' script, an operation's command).
 */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
