import { z } from 'zod';

export const gameConfig = z.strictObject({
  /**
   * A gamedig game id ("minecraft", "mbe", "csgo", …) or "protocol-<name>" for a protocol itself.
   * Only its form is checked here; whether gamedig knows it is checked when the check runs.
   */
  game: z.string().regex(/^[a-z0-9_-]+$/, 'a gamedig game id such as "minecraft"'),
  host: z.string().min(1),
  /** The port queried as given (for games with a separate query port, that one); the game's usual query port when absent. */
  port: z.number().int().min(1).max(65535).optional(),
  /** Degraded when fewer players than this are online. */
  minPlayers: z.number().int().min(0).optional(),
  /** Degraded when the server answers slower than this. */
  maxLatencyMs: z.number().positive().optional(),
});
export type GameConfig = z.infer<typeof gameConfig>;
