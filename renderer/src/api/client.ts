import {
  AppError,
  events,
  methods,
  type EventName,
  type Events,
  type InputOf,
  type MethodName,
  type Methods,
  type OutputOf,
  type PayloadOf,
} from '@shared/api';
import { malformedOutput } from './app-errors';
import { csrfTokenFrom } from './session-token';
import type { CallOptions, Transport } from './transport';

/** The one way the UI talks to Guardian, whichever transport carries it. Throws AppError. */
export interface GuardianClient {
  readonly transport: Transport['kind'];
  call<N extends MethodName>(name: N, input: InputOf<Methods[N]>, options?: CallOptions): Promise<OutputOf<Methods[N]>>;
  subscribe<E extends EventName>(name: E, listener: (payload: PayloadOf<Events[E]>) => void): () => void;
  onReconnect(listener: () => void): () => void;
  /** Told of every call that failed with an AppError (the session watch looks for UNAUTHENTICATED). */
  onFailure(listener: (error: AppError, method: MethodName) => void): () => void;
}

function parseOutput<N extends MethodName>(name: N, raw: unknown): OutputOf<Methods[N]> {
  const parsed = methods[name].output.safeParse(raw);
  if (!parsed.success) throw malformedOutput(name);
  // The schema just parsed is `methods[name].output`; TypeScript cannot follow N through the
  // indexed access, so the union of all outputs is narrowed here, once.
  return parsed.data as OutputOf<Methods[N]>;
}

export function createClient(transport: Transport): GuardianClient {
  const failureListeners = new Set<(error: AppError, method: MethodName) => void>();
  return {
    transport: transport.kind,
    async call(name, input, options) {
      let output: OutputOf<Methods[typeof name]>;
      try {
        output = parseOutput(name, await transport.call(name, input, options));
      } catch (error) {
        if (error instanceof AppError) for (const listener of failureListeners) listener(error, name);
        throw error;
      }
      const token = csrfTokenFrom(name, output);
      if (token !== undefined) transport.setCsrfToken(token);
      return output;
    },
    subscribe(name, listener) {
      return transport.subscribe(name, (raw) => {
        const parsed = events[name].payload.safeParse(raw);
        // A payload the contract does not describe is dropped: better a missed refresh than a crash.
        if (parsed.success) listener(parsed.data as PayloadOf<Events[typeof name]>);
      });
    },
    onReconnect: (listener) => transport.onReconnect(listener),
    onFailure(listener) {
      failureListeners.add(listener);
      return () => {
        failureListeners.delete(listener);
      };
    },
  };
}
