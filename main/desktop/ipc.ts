import { randomUUID } from 'node:crypto';
import { events as eventDefs, isEventName, type AppErrorShape, type EventName } from '../../shared/api';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type IpcCallResult, type IpcEventMessage } from '../../shared/ipc';
import { LOCAL_OWNER, roleAllows } from '../../shared/permissions';
import type { Router } from '../core/api/router';
import type { EventBus } from '../core/events/bus';

/** What the handler reads of Electron's IpcMainInvokeEvent. A destroyed frame is null. */
export interface IpcInvokeEventLike {
  readonly senderFrame: { readonly url: string } | null;
}

export type IpcInvokeListener = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** The part of Electron's ipcMain this transport uses. */
export interface IpcMainLike {
  handle(channel: string, listener: IpcInvokeListener): void;
  removeHandler(channel: string): void;
}

/** The part of a window's webContents events are sent to. */
export interface WebContentsLike {
  send(channel: string, message: IpcEventMessage): void;
  isDestroyed(): boolean;
}

export type RouterLike = Pick<Router, 'call'>;
export type EventSourceLike = Pick<EventBus, 'subscribe'>;

export interface IpcLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface IpcOptions {
  log?: IpcLog;
  newId?: () => string;
}

export interface DesktopIpc {
  /** Sends every event the desktop user may see to `target` until it is destroyed; returns the stop. */
  forwardEventsTo(target: WebContentsLike): () => void;
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
  options: IpcOptions = {},
): DesktopIpc {
  const newId = options.newId ?? randomUUID;
  const { log } = options;

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method, input) => {
    const frameUrl = event.senderFrame?.url;
    if (frameUrl === undefined || !isTrustedFrame(frameUrl)) {
      const correlationId = newId();
      log?.warn({ frameUrl: frameUrl ?? null, correlationId }, 'ipc call refused: the sender is not the app page');
      return refusal(
        'PERMISSION_DENIED',
        'This page may not call Guardian.',
        "Only Guardian's own window can use its API.",
        correlationId,
      );
    }
    if (typeof method !== 'string') {
      return refusal(
        'VALIDATION_FAILED',
        'The method name must be text.',
        'Call window.guardian.call with a method name from the contract.',
        newId(),
      );
    }
    try {
      return await router.call(LOCAL_OWNER, method, input, { origin: ORIGIN });
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

  const mayReceive = (name: EventName) => roleAllows(LOCAL_OWNER.role, eventDefs[name].permission);

  return {
    forwardEventsTo(target) {
      let unsubscribe: (() => void) | undefined;
      const stop = () => {
        unsubscribe?.();
        unsubscribe = undefined;
        stops.delete(stop);
      };
      unsubscribe = events.subscribe((name, payload) => {
        if (target.isDestroyed()) {
          stop();
          return;
        }
        if (!isEventName(name) || !mayReceive(name)) return;
        try {
          target.send(IPC_EVENT_CHANNEL, { name, payload });
        } catch (cause) {
          log?.error({ err: cause, event: name }, 'ipc event could not be sent to the window');
        }
      });
      stops.add(stop);
      return stop;
    },

    dispose() {
      ipcMain.removeHandler(IPC_CALL_CHANNEL);
      for (const stop of [...stops]) stop();
    },
  };
}
