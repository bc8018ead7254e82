import { AppError } from '@shared/api/errors';
import type { SecretValue } from '@shared/api/vault';
import type { Clock } from '../clock';

/** The system clipboard (Electron's in the desktop app), behind the smallest interface. */
export interface SystemClipboard {
  writeText(text: string): void;
  readText(): string;
}

export const CLIPBOARD_CLEAR_MS = 30_000;

/** What of a secret goes on the clipboard: the part one pastes. */
export function clipboardText(value: SecretValue): string {
  switch (value.kind) {
    case 'password':
      return value.password;
    case 'ssh_key':
      return value.privateKey;
    case 'api_token':
      return value.token;
    case 'note':
      return value.text;
  }
}

/**
 * Copies secret values without them ever reaching the page, and clears the clipboard after
 * 30 s unless the user has copied something else since.
 */
export class SecretClipboard {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clipboard: SystemClipboard | undefined,
    private readonly clock: Clock,
  ) {}

  copy(value: SecretValue): { clearsAt: number } {
    if (!this.clipboard) {
      throw new AppError('NOT_SUPPORTED_HERE', 'Copying to the clipboard is done by the desktop app.', {
        hint: 'In a browser, reveal the secret and copy it yourself.',
      });
    }
    const clipboard = this.clipboard;
    const text = clipboardText(value);
    clipboard.writeText(text);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (clipboard.readText() === text) clipboard.writeText('');
    }, CLIPBOARD_CLEAR_MS);
    this.timer.unref();
    return { clearsAt: this.clock.now() + CLIPBOARD_CLEAR_MS };
  }
}
