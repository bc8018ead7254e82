import type { ServerStatus } from '@shared/api/health';

// What the tray says about the fleet: one colour and one line, from the overview's counts.
// Pure, so the mapping is tested without a tray.

/** The tray icon's colour: the worst status any server is in. */
export const FLEET_LEVELS = ['up', 'degraded', 'down', 'unknown'] as const;
export type FleetLevel = (typeof FLEET_LEVELS)[number];

export type StatusCounts = Partial<Record<ServerStatus, number>>;

export interface FleetStatus {
  level: FleetLevel;
  /** "2 down, 1 degraded of 40 servers": the tray menu's first line. */
  summary: string;
  /** "Guardian: 2 down, 1 degraded of 40 servers": the tray's tooltip. */
  tooltip: string;
}

const count = (counts: StatusCounts, status: ServerStatus): number => {
  const value = counts[status];
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
};

const servers = (n: number) => (n === 1 ? '1 server' : `${n} servers`);

/**
 * The fleet in one colour and one line. Down beats degraded beats up; with nothing up, down or
 * degraded (no servers, no results yet, every check paused) the status is unknown. While polling
 * is paused the icon turns grey whatever the last results said: nothing is being watched.
 */
export function fleetStatus(counts: StatusCounts, pollingPaused = false): FleetStatus {
  const up = count(counts, 'up');
  const degraded = count(counts, 'degraded');
  const down = count(counts, 'down');
  const unknown = count(counts, 'unknown');
  const paused = count(counts, 'paused');
  const total = up + degraded + down + unknown + paused;

  let level: FleetLevel = down > 0 ? 'down' : degraded > 0 ? 'degraded' : up > 0 ? 'up' : 'unknown';
  if (pollingPaused) level = 'unknown';

  let summary: string;
  if (total === 0) summary = 'no servers yet';
  else if (up === total) summary = total === 1 ? '1 server, up' : `all ${total} servers up`;
  else {
    const parts = (
      [
        [down, 'down'],
        [degraded, 'degraded'],
        [unknown, 'unknown'],
        [paused, 'paused'],
      ] as const
    )
      .filter(([n]) => n > 0)
      .map(([n, label]) => `${n} ${label}`);
    summary = `${parts.join(', ')} of ${servers(total)}`;
  }
  if (pollingPaused) summary = `${summary} (polling paused)`;
  return { level, summary, tooltip: `Guardian: ${summary}` };
}

/**
 * The icon file (in assets/tray) for a level. 16 px on macOS and Windows, whose trays are 16 pt
 * (Electron picks the @2x file on a HiDPI screen by itself); 32 px on Linux, whose panels are
 * 22–32 px and scale the image down.
 */
export function trayIconFile(level: FleetLevel, platform: NodeJS.Platform): string {
  return platform === 'linux' ? `${level}-32.png` : `${level}.png`;
}
