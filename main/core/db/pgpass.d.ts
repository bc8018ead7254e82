// pgpass ships no types: the one function Guardian calls (main/core/db/database-url.ts), as its README documents it.
declare module 'pgpass' {
  /** Looks `connection` up in the pgpass file (PGPASSFILE, else ~/.pgpass; ignored unless 0600) and calls back with its password, or undefined. */
  export default function pgpass(
    connection: { host: string; port: string; database: string; user: string },
    callback: (password: string | undefined) => void,
  ): void;
}
