import { createReadStream, existsSync, readdirSync, renameSync, rmSync, statSync, type ReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '@shared/api/errors';
import { hasArtifact, type Artifact, type Job } from '@shared/api/jobs';
import { PERMISSIONS, principalAllows, type Permission, type Principal } from '@shared/permissions';
import { makePrivateDir, tightenFile } from '../file-modes';

/**
 * Files jobs produce (exports, reports), under `<data dir>/artifacts/<job id>/`. A job writes to
 * a `.partial` file and renames it when done, so a crash or a cancel never leaves a file that
 * looks finished. Served over HTTP by streaming, saved by the desktop app through its dialog.
 */

export interface ArtifactDraft {
  /** Where the job writes. */
  path: string;
  /** Where the file is once committed. */
  finalPath: string;
  /** Renames the finished file into place and describes it, for the job's result. */
  commit(mimeType: string, permission: Permission): Artifact;
  /** Removes what was written (the job failed or was cancelled). */
  discard(): void;
}

/** A file name safe on every OS: letters, digits, dot, dash, underscore. */
export function safeFileName(name: string): string {
  const cleaned = basename(name)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '');
  return cleaned.slice(0, 120) || 'export';
}

/** A job's file is for those who may do what the job did (an audit export for those who read the audit log). */
export function assertMayFetch(principal: Principal, artifact: Artifact): void {
  const permission = artifact.permission as Permission;
  if (!PERMISSIONS.includes(permission) || !principalAllows(principal, permission)) {
    throw new AppError('PERMISSION_DENIED', `This file needs the ${artifact.permission} permission.`, {
      hint: 'Ask someone whose role has it to fetch the file, or to run the job for you.',
    });
  }
}

export class Artifacts {
  constructor(private readonly dir: string) {}

  begin(jobId: string, fileName: string): ArtifactDraft {
    const folder = join(this.dir, jobId);
    makePrivateDir(folder);
    const name = safeFileName(fileName);
    const final = join(folder, name);
    const partial = `${final}.partial`;
    return {
      path: partial,
      finalPath: final,
      commit: (mimeType, permission) => {
        // Whatever wrote it, the finished file is for Guardian's user only (its folder already is).
        tightenFile(partial);
        renameSync(partial, final);
        return { fileName: name, mimeType, bytes: statSync(final).size, permission };
      },
      discard: () => rmSync(folder, { recursive: true, force: true }),
    };
  }

  /** The finished file of a job, or why there is none. */
  file(job: Job): { artifact: Artifact; path: string } {
    if (job.status !== 'succeeded' || !hasArtifact(job.result)) {
      throw new AppError('NOT_FOUND', `Job ${job.id} has no file to fetch (${job.status}).`, {
        hint: job.status === 'running' || job.status === 'queued' ? 'Wait for the job to finish.' : 'Only a job that produced a file and succeeded has one.',
      });
    }
    const { artifact } = job.result;
    const path = join(this.dir, job.id, safeFileName(artifact.fileName));
    if (!existsSync(path)) {
      throw new AppError('NOT_FOUND', `The file of job ${job.id} is gone.`, { hint: 'Files are kept for 7 days; run the job again.' });
    }
    return { artifact, path };
  }

  open(path: string): ReadStream {
    return createReadStream(path);
  }

  /** Removes artifact folders older than `maxAgeMs` (at start). */
  prune(now: number, maxAgeMs: number): number {
    if (!existsSync(this.dir)) return 0;
    let removed = 0;
    for (const entry of readdirSync(this.dir)) {
      const folder = join(this.dir, entry);
      if (statSync(folder).mtimeMs < now - maxAgeMs) {
        rmSync(folder, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }
}
