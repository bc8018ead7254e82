import { describe, expect, it } from 'vitest';
import { fleetStatus, trayIconFile, type FleetLevel, type StatusCounts } from './fleet-status';

describe('fleetStatus', () => {
  it.each<[string, StatusCounts, FleetLevel, string]>([
    ['a fleet all up', { up: 40, degraded: 0, down: 0, unknown: 0, paused: 0 }, 'up', 'Guardian: all 40 servers up'],
    ['one server, up', { up: 1 }, 'up', 'Guardian: 1 server, up'],
    ['servers down and degraded', { up: 37, degraded: 1, down: 2, unknown: 0, paused: 0 }, 'down', 'Guardian: 2 down, 1 degraded of 40 servers'],
    ['servers degraded only', { up: 39, degraded: 1 }, 'degraded', 'Guardian: 1 degraded of 40 servers'],
    ['one down among unknown and paused', { down: 1, unknown: 2, paused: 3, up: 4 }, 'down', 'Guardian: 1 down, 2 unknown, 3 paused of 10 servers'],
    ['up with some not yet checked', { up: 38, unknown: 2 }, 'up', 'Guardian: 2 unknown of 40 servers'],
    ['nothing checked yet', { unknown: 3 }, 'unknown', 'Guardian: 3 unknown of 3 servers'],
    ['every check paused', { paused: 1 }, 'unknown', 'Guardian: 1 paused of 1 server'],
    ['no servers', { up: 0, degraded: 0, down: 0, unknown: 0, paused: 0 }, 'unknown', 'Guardian: no servers yet'],
    ['nonsense counts', { up: -3, down: Number.NaN, degraded: 1.7 }, 'degraded', 'Guardian: 1 degraded of 1 server'],
  ])('%s', (_case, counts, level, tooltip) => {
    const status = fleetStatus(counts);
    expect(status.level).toBe(level);
    expect(status.tooltip).toBe(tooltip);
    expect(status.tooltip).toBe(`Guardian: ${status.summary}`);
  });

  it('turns grey and says so while polling is paused, keeping the last counts', () => {
    const status = fleetStatus({ up: 37, degraded: 1, down: 2 }, true);
    expect(status.level).toBe('unknown');
    expect(status.tooltip).toBe('Guardian: 2 down, 1 degraded of 40 servers (polling paused)');
  });
});

describe('trayIconFile', () => {
  it('uses 16 px icons (with @2x) on macOS and Windows and 32 px ones on Linux', () => {
    expect(trayIconFile('down', 'darwin')).toBe('down.png');
    expect(trayIconFile('up', 'win32')).toBe('up.png');
    expect(trayIconFile('degraded', 'linux')).toBe('degraded-32.png');
  });
});
