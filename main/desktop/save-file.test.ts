import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSaver, type SaveDialogLike } from './save-file';

function fakeDialog(answer: { canceled: boolean; filePath?: string }) {
  const asked: Parameters<SaveDialogLike['showSaveDialog']>[0][] = [];
  const dialog: SaveDialogLike = {
    showSaveDialog: async (options) => {
      asked.push(options);
      return answer;
    },
  };
  return { dialog, asked };
}

describe('saving a job’s file through the native dialog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'guardian-save-'));
  const source = join(dir, 'audit.csv');
  writeFileSync(source, 'seq,action\n1,servers.create\n');

  it('suggests the file’s name in Downloads with its type, and copies it where the person chose', async () => {
    const target = join(dir, 'chosen.csv');
    const { dialog, asked } = fakeDialog({ canceled: false, filePath: target });
    expect(await fileSaver(dialog, '/home/me/Downloads')('audit-2026.csv', source)).toBe(target);
    expect(asked[0]).toMatchObject({ defaultPath: '/home/me/Downloads/audit-2026.csv', filters: [{ name: 'CSV', extensions: ['csv'] }] });
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(source, 'utf8'));
  });

  it('writes nothing when the dialog is cancelled', async () => {
    const { dialog } = fakeDialog({ canceled: true });
    expect(await fileSaver(dialog, dir)('report.pdf', source)).toBeNull();
  });
});
