import pg from 'pg';
import { databaseUnavailable } from './pool';

/**
 * How a process learns that another one changed what it keeps in memory (docs/architecture.md §4).
 * SQLite says so itself (`data_version` moves on another connection's commit); PostgreSQL is told:
 * the tables the health engine holds in memory notify on every committed change (migration
 * 0008_change_feed, `pg_notify('guardian_changes', application_name)`), and the feed listens on a
 * connection of its own. Each process names its connections apart (openPostgresPool), so its own
 * writes, which it has applied in memory already, do not count: reading every check again after
 * each of its own changes cost a whole reload within 2 s of every add, and raced the results being
 * written (the reload once swallowed a new server's first "up").
 */
export class ChangeFeed {
  private count = 0;
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private listenedBefore = false;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly display: string,
  ) {}

  /** This process's connections' name: the notifications it sends itself. */
  private get own(): string | undefined {
    return this.config.application_name;
  }

  /**
   * A number that moves once another process has committed a change. Listens (again) first when
   * not listening: a connection lost and opened again counts as a change, since what was told
   * meanwhile is gone. Throws DB_UNAVAILABLE when the database cannot be reached.
   */
  async mark(): Promise<number> {
    if (!this.client) await (this.connecting ??= this.listen().finally(() => (this.connecting = null)));
    return this.count;
  }

  private async listen(): Promise<void> {
    if (this.closed) throw databaseUnavailable(new Error('the change feed is closed'), this.display);
    const client = new pg.Client(this.config);
    const lost = () => {
      if (this.client === client) this.client = null;
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', ({ payload }) => {
      if (payload !== this.own) this.count += 1;
    });
    try {
      await client.connect();
      await client.query('LISTEN guardian_changes');
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw databaseUnavailable(error, this.display);
    }
    if (this.listenedBefore) this.count += 1;
    this.listenedBefore = true;
    this.client = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
