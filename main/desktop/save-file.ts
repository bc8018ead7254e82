import { copyFile } from 'node:fs/promises';
import { extname } from 'node:path';

/** The part of Electron's dialog module the save flow uses. */
export interface SaveDialogLike {
  showSaveDialog(options: {
    title: string;
    defaultPath: string;
    filters: { name: string; extensions: string[] }[];
  }): Promise<{ canceled: boolean; filePath?: string | undefined }>;
}

const KINDS: Record<string, string> = { csv: 'CSV', jsonl: 'JSON Lines', json: 'JSON', pdf: 'PDF', html: 'HTML' };

/**
 * Saves a job's file where the person picks in the native save dialog: the core hands over the
 * finished file, this copies it. Answers where it went, or null when the dialog was cancelled.
 */
export function fileSaver(dialog: SaveDialogLike, downloadsDir: string) {
  return async (suggestedName: string, sourcePath: string): Promise<string | null> => {
    const extension = extname(suggestedName).slice(1).toLowerCase();
    const choice = await dialog.showSaveDialog({
      title: 'Save as',
      defaultPath: `${downloadsDir}/${suggestedName}`,
      filters: extension ? [{ name: KINDS[extension] ?? extension.toUpperCase(), extensions: [extension] }] : [],
    });
    if (choice.canceled || !choice.filePath) return null;
    await copyFile(sourcePath, choice.filePath);
    return choice.filePath;
  };
}
