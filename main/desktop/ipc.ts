import { randomUUID } from 'node:crypto';
import { events as eventDefs, isEventName, mayHear, type AppErrorShape, type EventName } from '@shared/api';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type IpcCallResult, type IpcEventMessage } from '@shared/ipc';
import type { Audience, Principal } from '@shared/permissions';
import type { Router } from '@core/api/router';
import type { SessionSink } from '@core/auth/signin';
import type { EventBus } from '@core/events/bus';
import { eventGate } from '@core/events/gate';

/** What the handler reads of Electron's IpcMainInvokeEvent. A destroyed frame is null. */
export interface IpcInvokeEventLike {
  readonly senderFrame: { readonly url: string } | null;
  /** The window's contents; its id keys the window's session. */
  readonly sender: { readonly id: number };
}

export type IpcInvokeListener = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** The part of Electron's ipcMain this transport uses. */
export interface IpcMainLike {
  handle(channel: string, listener: IpcInvokeListener): void;
  removeHandler(channel: string): void;
}

/** The part of a window's webContents events are sent to. */
export interface WebContentsLike {
  readonly id: number;
  send(channel: string, message: IpcEventMessage): void;
  isDestroyed(): boolean;
}

export type RouterLike = Pick<Router, 'call'>;
export type EventSourceLike = Pick<EventBus, 'subscribe'>;

export interface IpcLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * Turns a window's session token into who is signed in (null once it expired or was revoked).
 * `touch` is false when only looking (who may receive an event), so events never keep an idle
 * session alive.
 */
export type Authenticate = (token: string, touch: boolean) => Promise<Principal | null>;

export interface IpcOptions {
  log?: IpcLog;
  newId?: () => string;
}

export interface DesktopIpc {
  /** Sends every event the desktop user may see to `target` until it is destroyed; returns the stop. */
  forwardEventsTo(target: WebContentsLike): () => void;
  /** Forgets a window's session (the window closed); returns the token so it can be revoked. */
  endSession(webContentsId: number): string | undefined;
  /** Removes the call handler and stops every forwarding. */
  dispose(): void;
}

const ORIGIN = 'ipc';

function refusal(code: AppErrorShape['code'], message: string, hint: string, correlationId: string): IpcCallResult {
  return { ok: false, error: { code, message, hint, retryable: false, correlationId } };
}

/**
 * The desktop transport: one invoke handler for every contract method, one event channel.
 * The sender frame is checked before anything else, so a page that is not Guardian's (an
 * injected iframe, a navigated-away window) never reaches the router.
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  router: RouterLike,
  events: EventSourceLike,
  isTrustedFrame: (url: string) => boolean,
  authenticate: Authenticate,
  options: IpcOptions = {},
): DesktopIpc {
  const newId = options.newId ?? randomUUID;
  const { log } = options;
  // The session lives here, in the main process, bound to its window: the renderer never sees a token.
  const tokens = new Map<number, string>();

  const principalOf = async (webContentsId: number, touch = true): Promise<Principal | null> => {
    const token = tokens.get(webContentsId);
    if (token === undefined) return null;
    const principal = await authenticate(token, touch);
    // Unless the window signed in again meanwhile.
    if (!principal && tokens.get(webContentsId) === token) tokens.delete(webContentsId);
    return principal;
  };

  const sinkFor = (webContentsId: number): SessionSink => ({
    establish: (token) => void tokens.set(webContentsId, token),
    clear: () => void tokens.delete(webContentsId),
  });

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method, input) => {
    const frameUrl = event.senderFrame?.url;
    if (frameUrl === undefined || !isTrustedFrame(frameUrl)) {
      const correlationId = newId();
      log?.warn({ frameUrl: frameUrl ?? null, correlationId }, 'ipc call refused: the sender is not the app page');
      return refusal('PERMISSION_DENIED', 'This page may not call Guardian.', "Only Guardian's own window can use its API.", correlationId);
    }
    if (typeof method !== 'string') {
      return refusal('VALIDATION_FAILED', 'The method name must be text.', 'Call window.guardian.call with a method name from the contract.', newId());
    }
    try {
      const id = event.sender.id;
      return await router.call(await principalOf(id), method, input, {
        origin: ORIGIN,
        userAgent: 'Guardian desktop',
        session: sinkFor(id),
      });
    } catch (cause) {
      // The router answers with values; a throw here is a bug, and its text stays in the log.
      const correlationId = newId();
      log?.error({ err: cause, method, correlationId }, 'ipc call failed outside the router');
      return refusal(
        'INTERNAL',
        'Something went wrong inside Guardian.',
        'Try again; if it keeps happening, report it with the correlation id (the log has the details).',
        correlationId,
      );
    }
  });

  const stops = new Set<() => void>();

  return {
    forwardEventsTo(target) {
      // Each event reaches the window after its session was read again, in order (main/core/events/gate.ts);
      // a window signed out hears only what its no-session principal may (nothing that needs a permission).
      const gate = eventGate<{ name: EventName; payload: unknown; audience: Audience | undefined }, { principal: Principal | null }>({
        // A read that fails skips that batch rather than end the window's events for good.
        access: async () => ({ principal: await principalOf(target.id, false).catch(() => null) }),
        deliver: ({ name, payload, audience }, { principal }) => {
          if (target.isDestroyed()) return stop();
          if (principal === null || !mayHear(principal, eventDefs[name], audience)) return;
          try {
            target.send(IPC_EVENT_CHANNEL, { name, payload });
          } catch (cause) {
            log?.error({ err: cause, event: name }, 'ipc event could not be sent to the window');
          }
        },
        end: () => undefined,
      });
      let unsubscribe: (() => void) | undefined;
      const stop = () => {
        gate.close();
        unsubscribe?.();
        unsubscribe = undefined;
        stops.delete(stop);
      };
      unsubscribe = events.subscribe((name, payload, audience) => {
        if (target.isDestroyed()) {
          stop();
          return;
        }
        if (isEventName(name)) gate.push({ name, payload, audience });
      });
      stops.add(stop);
      return stop;
    },

    endSession(webContentsId) {
      const token = tokens.get(webContentsId);
      tokens.delete(webContentsId);
      return token;
    },

    dispose() {
      ipcMain.removeHandler(IPC_CALL_CHANNEL);
      for (const stop of [...stops]) stop();
    },
  };
}
