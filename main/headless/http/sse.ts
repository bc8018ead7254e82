import type { FastifyReply, FastifyRequest } from 'fastify';
import { events as eventDefs, isEventName, mayHear, type EventName } from '@shared/api';
import type { Audience, Principal } from '@shared/permissions';
import type { EventBus } from '@core/events/bus';
import { eventGate } from '@core/events/gate';
import type { StreamAccess } from './stream-access';

export interface EventStream {
  end(): void;
}
export type EventStreams = Set<EventStream>;

const HEARTBEAT_MS = 15_000;
const HEARTBEAT = Symbol('heartbeat');

/**
 * Server-Sent Events: each contract event as `event: <name>` and `data: <json>`. A comment line
 * every 15 s keeps proxies from closing an idle stream. The caller's access is checked again
 * before every event and heartbeat, so a revoked key or a signed-out session hears nothing more:
 * its stream ends.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  bus: EventBus,
  streams: EventStreams,
  only: string | undefined,
  access: StreamAccess,
): void {
  const wanted = only ? new Set(only.split(',').filter(isEventName)) : null;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-correlation-id': request.id,
  });
  res.write(': connected\n\n');

  // Each event goes out after the caller's access was read again, in order (main/core/events/gate.ts).
  const gate = eventGate<{ name: EventName; payload: unknown; audience: Audience | undefined } | typeof HEARTBEAT, Principal>({
    access,
    deliver: (event, principal) => {
      if (event === HEARTBEAT) res.write(': heartbeat\n\n');
      else if (mayHear(principal, eventDefs[event.name], event.audience)) res.write(`event: ${event.name}\ndata: ${JSON.stringify(event.payload)}\n\n`);
    },
    end: () => stream.end(),
  });
  const unsubscribe = bus.subscribe((name, payload, audience) => {
    if (wanted && !wanted.has(name)) return;
    gate.push({ name, payload, audience });
  });
  const heartbeat = setInterval(() => gate.push(HEARTBEAT), HEARTBEAT_MS);
  heartbeat.unref();

  const stream: EventStream = {
    end() {
      cleanup();
      res.end();
    },
  };
  function cleanup() {
    gate.close();
    clearInterval(heartbeat);
    unsubscribe();
    streams.delete(stream);
  }
  streams.add(stream);
  request.raw.on('close', cleanup);
}
