import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createHandlers } from './api/handlers';
import { Router } from './api/router';
import { AuditLog } from './audit/log';
import { systemClock, type Clock } from './clock';
import { openDatabase, type OpenedDatabase } from './db/open';
import { EventBus } from './events/bus';
import { JobService } from './jobs/service';
import type { Logger } from './logging/logger';
import { createMetrics, type Metrics } from './metrics/registry';
import { dataPaths, packageInfo, type DataPaths } from './paths';
import { ServerService } from './servers/service';

export interface CoreOptions {
  dataDir: string;
  logger: Logger;
  mode: 'desktop' | 'headless';
  clock?: Clock;
  newId?: () => string;
}

export interface Core {
  paths: DataPaths;
  database: OpenedDatabase;
  router: Router;
  events: EventBus;
  jobs: JobService;
  servers: ServerService;
  metrics: Metrics;
  logger: Logger;
  /** Stops running jobs at a safe point and closes the database. */
  close(): Promise<void>;
}

/** Builds the application from its parts. Everything a transport needs hangs off the result. */
export function createCore(options: CoreOptions): Core {
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const { logger } = options;
  const paths = dataPaths(options.dataDir);
  mkdirSync(paths.root, { recursive: true });

  const database = openDatabase({ file: paths.database, backupsDir: paths.backups, logger, now: clock.now });
  const { db, sqlite } = database;
  const metrics = createMetrics();
  const events = new EventBus();
  const jobs = new JobService({ db, events, clock, logger, metrics, newId });
  const interrupted = jobs.recoverInterrupted();
  if (interrupted) logger.warn({ interrupted }, 'jobs left running by a previous stop were marked interrupted');
  const servers = new ServerService({ db, clock, events, newId });
  const startedAt = clock.now();

  const handlers = createHandlers({
    servers,
    jobs,
    clock,
    importDeps: { sqlite, servers, events },
    info: () => ({
      name: packageInfo.productName,
      version: packageInfo.version,
      dataDir: paths.root,
      startedAt,
      mode: options.mode,
    }),
  });
  const router = new Router({ handlers, sqlite, audit: new AuditLog(sqlite, clock), logger, metrics });

  let closed = false;
  return {
    paths,
    database,
    router,
    events,
    jobs,
    servers,
    metrics,
    logger,
    async close() {
      if (closed) return;
      closed = true;
      await jobs.shutdown();
      database.close();
    },
  };
}
