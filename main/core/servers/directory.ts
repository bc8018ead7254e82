import type { AsyncDatabase } from '../db/engine';
import { ServerStore } from './store';
import type { ServerRow } from './table';

/**
 * What other domains may read of the inventory (docs/architecture.md §2): the health engine the
 * fields it schedules and shows by, the vault whether a linked server exists and where it is.
 * They read it here, never from the servers table; inside a caller's transaction the reads join it.
 */

/** The fields of a server the health engine schedules and shows its checks by. */
export interface ServerInfo {
  id: string;
  name: string;
  host: string;
  port: number;
  environment: string;
  tags: string[];
  /** The login name SSH uses on it, when the server names one (else its secret's). */
  user: string | null;
  /** The server SSH connections to it go through (a jump host), or null. */
  jumpHostId: string | null;
  /** The server this one sits behind, or null: while that one is down, this one's alerts are held back. */
  dependsOnId: string | null;
}

const infoOf = ({ id, name, host, port, environment, tags, user, jumpHostId, dependsOnId }: ServerRow): ServerInfo => ({
  id,
  name,
  host,
  port,
  environment,
  tags,
  user,
  jumpHostId,
  dependsOnId,
});

export class ServerDirectory {
  private readonly store: ServerStore;

  constructor(db: AsyncDatabase) {
    this.store = new ServerStore(db);
  }

  /** Every server's info. */
  async all(): Promise<ServerInfo[]> {
    return (await this.store.all({})).map(infoOf);
  }

  /** One server's info, or undefined when there is no such server. */
  async get(id: string): Promise<ServerInfo | undefined> {
    const row = await this.store.get(id);
    return row && infoOf(row);
  }

  /** Which of `ids` name a server that exists. */
  existing(ids: readonly string[]): Promise<Set<string>> {
    return this.store.existing(ids);
  }
}
