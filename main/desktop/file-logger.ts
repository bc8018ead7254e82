import pino from 'pino';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from '@core/logging/logger';

export interface FileLogger {
  logger: Logger;
  /** Writes out what is buffered; called last thing before the process exits. */
  flush(): void;
}

/** `GUARDIAN_LOG_LEVEL` when it names a level, else `info`. */
export function logLevelFrom(value: string | undefined): LogLevel {
  return LOG_LEVELS.find((level) => level === value) ?? 'info';
}

/** The desktop app's JSON log, appended to `logFile` (its folder is created if missing). */
export function createFileLogger(logFile: string, level: LogLevel): FileLogger {
  // Synchronous: the lines that matter most (a failed start, the last ones before quitting) are
  // written before the process can end. A desktop app logs little, so the cost is small.
  const destination = pino.destination({ dest: logFile, mkdir: true, append: true, sync: true });
  return {
    logger: createLogger(level, destination),
    flush: () => destination.flushSync(),
  };
}
