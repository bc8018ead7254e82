import { useEffect, useState, useSyncExternalStore } from 'react';
import type { OutputChunk } from '@shared/api/operations';
import { useClient } from '../api/client-context';

/** Most live text kept per target in the page (characters, about what is stored per target); past it the oldest goes (the stored output has the rest). */
export const LIVE_KEEP_BYTES = 256 * 1024;

interface TargetLive {
  chunks: OutputChunk[];
  bytes: number;
  /** Whether older live text was let go. */
  dropped: boolean;
}

const EMPTY: TargetLive = { chunks: [], bytes: 0, dropped: false };

/**
 * What one run's targets printed since the page began to listen, from operation.output events.
 * A target's entry is replaced on each change, so a view of one target re-renders for that target
 * alone.
 */
export class LiveOutput {
  private readonly targets = new Map<string, TargetLive>();
  private readonly listeners = new Set<() => void>();

  add(serverId: string, chunks: readonly OutputChunk[]): void {
    const current = this.targets.get(serverId) ?? EMPTY;
    const next = [...current.chunks, ...chunks];
    let bytes = current.bytes + chunks.reduce((sum, chunk) => sum + chunk.text.length, 0);
    let dropped = current.dropped;
    while (bytes > LIVE_KEEP_BYTES && next.length > 1) {
      bytes -= next.shift()?.text.length ?? 0;
      dropped = true;
    }
    this.targets.set(serverId, { chunks: next, bytes, dropped });
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  get(serverId: string): TargetLive {
    return this.targets.get(serverId) ?? EMPTY;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The live output of a run's targets, listened to while `enabled` (the caller may read output). */
export function useLiveOutput(runId: string, enabled: boolean): LiveOutput {
  const client = useClient();
  const [live] = useState(() => new LiveOutput());
  useEffect(() => {
    if (!enabled) return undefined;
    return client.subscribe('operation.output', (payload) => {
      if (payload.runId !== runId) return;
      for (const item of payload.items) live.add(item.serverId, item.chunks);
      live.notify();
    });
  }, [client, runId, enabled, live]);
  return live;
}

/** One target's live output; re-renders when it changes. */
export function useLiveTarget(live: LiveOutput, serverId: string): TargetLive {
  return useSyncExternalStore(live.subscribe, () => live.get(serverId));
}
