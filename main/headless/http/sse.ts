import type { FastifyReply, FastifyRequest } from 'fastify';
import { events as eventDefs, isEventName, type EventDef } from '../../../shared/api';
import type { EventBus } from '../../core/events/bus';

export interface EventStream {
  end(): void;
}
export type EventStreams = Set<EventStream>;

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: each contract event as `event: <name>` and `data: <json>`. A comment line
 * every 15 s keeps proxies from closing an idle stream.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  bus: EventBus,
  streams: EventStreams,
  only: string | undefined,
  /** Whether this client may see events of this kind (by the event's permission). */
  mayReceive: (def: EventDef) => boolean,
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

  const unsubscribe = bus.subscribe((name, payload) => {
    if (wanted && !wanted.has(name)) return;
    if (!mayReceive(eventDefs[name])) return;
    res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  });
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
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
