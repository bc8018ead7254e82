import type { FastifyReply, FastifyRequest } from 'fastify';
import { events as eventDefs, isEventName } from '@shared/api';
import type { EventBus } from '@core/events/bus';
import type { StreamAccess } from './stream-access';

export interface EventStream {
  end(): void;
}
export type EventStreams = Set<EventStream>;

const HEARTBEAT_MS = 15_000;

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

  // Events emitted in one synchronous run share one check: nothing can revoke access in between.
  let checked: ReturnType<StreamAccess> | undefined;
  const allowed = () => {
    if (checked === undefined) {
      try {
        checked = access();
      } catch {
        // The check could not be made (the database is closing): end the stream rather than guess.
        checked = null;
      }
      queueMicrotask(() => (checked = undefined));
    }
    return checked;
  };

  const unsubscribe = bus.subscribe((name, payload) => {
    if (wanted && !wanted.has(name)) return;
    const may = allowed();
    if (!may) return stream.end();
    if (!may(eventDefs[name].permission)) return;
    res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  });
  const heartbeat = setInterval(() => (allowed() ? res.write(': heartbeat\n\n') : stream.end()), HEARTBEAT_MS);
  heartbeat.unref();

  const stream: EventStream = {
    end() {
      cleanup();
      res.end();
    },
  };
  function cleanup() {
    clearInterval(heartbeat);
    unsubscribe();
    streams.delete(stream);
  }
  streams.add(stream);
  request.raw.on('close', cleanup);
}
