import pino from 'pino';
import pinoRoll from 'pino-roll';
import { makePrivateDir, PRIVATE_FILE_MODE } from '@core/file-modes';
import { createLogger, type Logger, type LogLevel } from '@core/logging/logger';
import type { DataPaths } from '@core/paths';

/**
 * A service's logger: JSON lines to standard error (for journald and docker logs) and to a
 * rotated file in the data dir's logs folder (10 MB per file, 5 files kept).
 */
export async function createServiceLogger(level: LogLevel, paths: DataPaths): Promise<Logger> {
  makePrivateDir(paths.logs);
  // Each rotated file is opened with this mode too.
  const file = await pinoRoll({ file: paths.logFile, size: '10m', limit: { count: 5 }, mkdir: true, mode: PRIVATE_FILE_MODE });
  return createLogger(
    level,
    pino.multistream([
      { level, stream: process.stderr },
      { level, stream: file },
    ]),
  );
}
