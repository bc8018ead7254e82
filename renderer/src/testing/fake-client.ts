import { AppError, type EventName, type Events, type InputOf, type MethodName, type Methods, type OutputOf, type PayloadOf } from '@shared/api';
import type { GuardianClient } from '../api/client';

type Handler<N extends MethodName> = (input: InputOf<Methods[N]>) => Promise<OutputOf<Methods[N]>>;
export type Handlers = { [N in MethodName]?: Handler<N> };

export interface FakeClient extends GuardianClient {
  /** Every call made, in order, with its input. */
  calls: { name: MethodName; input: unknown }[];
  /** Delivers an event as the server would. */
  emit<E extends EventName>(name: E, payload: PayloadOf<Events[E]>): void;
  /** Tells the app its event stream has (re)opened, as the HTTP transport does. */
  streamOpened(): void;
}

/**
 * A GuardianClient for component tests: answers from the given handlers (a method without one
 * never answers, as a slow server would) and lets the test deliver events.
 */
export function fakeClient(handlers: Handlers): FakeClient {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: FakeClient['calls'] = [];
  const failureListeners = new Set<(error: AppError, method: MethodName) => void>();
  const openListeners = new Set<() => void>();
  return {
    transport: 'http',
    calls,
    call(name, input) {
      calls.push({ name, input });
      const handler = handlers[name] as Handler<typeof name> | undefined;
      if (!handler) return new Promise(() => undefined);
      return handler(input).catch((error: unknown) => {
        if (error instanceof AppError) for (const listener of failureListeners) listener(error, name);
        throw error;
      });
    },
    subscribe(name, listener) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      const wrapped = (payload: unknown) => listener(payload as PayloadOf<Events[typeof name]>);
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    onReconnect(listener) {
      openListeners.add(listener);
      return () => {
        openListeners.delete(listener);
      };
    },
    onFailure(listener) {
      failureListeners.add(listener);
      return () => {
        failureListeners.delete(listener);
      };
    },
    emit(name, payload) {
      for (const listener of listeners.get(name) ?? []) listener(payload);
    },
    streamOpened() {
      for (const listener of openListeners) listener();
    },
  };
}
