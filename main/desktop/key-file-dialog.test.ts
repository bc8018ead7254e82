import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFileFromDialog, type OpenDialogLike } from './key-file-dialog';

// Electron's dialog cannot open here: a fake answers as the person would.
function fakeDialog(answer: { canceled: boolean; filePaths: string[] }) {
  const asked: Parameters<OpenDialogLike['showOpenDialog']>[0][] = [];
  const dialog: OpenDialogLike = {
    showOpenDialog: async (options) => {
      asked.push(options);
      return answer;
    },
  };
  return { dialog, asked };
}

describe('the desktop app’s vault key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'guardian-key-dialog-'));
  const bytes = randomBytes(64);
  const keyFile = join(dir, 'vault.key');
  writeFileSync(keyFile, bytes, { mode: 0o400 });

  it('is the file the person picks in the native open dialog, asked for with what it is for', async () => {
    const { dialog, asked } = fakeDialog({ canceled: false, filePaths: [keyFile] });
    const source = keyFileFromDialog(dialog);
    expect(source.availability().source).toBe('dialog');
    expect((await source.read('Choose the vault key file')).equals(bytes)).toBe(true);
    expect(asked).toEqual([{ title: 'Choose the vault key file', buttonLabel: 'Use this key file', properties: ['openFile'] }]);
  });

  it('a cancelled dialog changes nothing and says so', async () => {
    const { dialog } = fakeDialog({ canceled: true, filePaths: [] });
    await expect(keyFileFromDialog(dialog).read('Choose the vault key file')).rejects.toMatchObject({
      code: 'CANCELLED',
      hint: expect.stringMatching(/passphrase/),
    });
  });

  // Windows has no FIFOs (mkfifo): the refusal this proves cannot arise there.
  it.skipIf(process.platform === 'win32')('a FIFO picked in the dialog is refused at once, like a configured one', async () => {
    const pipe = join(dir, 'pipe');
    execFileSync('mkfifo', [pipe]);
    const { dialog } = fakeDialog({ canceled: false, filePaths: [pipe] });
    await expect(keyFileFromDialog(dialog).read('Choose the vault key file')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/not a regular file/),
    });
  });
});
