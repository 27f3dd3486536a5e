import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { EventName, VeilApi } from '../proxy-core/src/control/contract.js';
import { IPC } from './bridge-types.js';
import { createIpcHandlers, type IpcSender, type SenderCheck } from './ipc-handlers.js';

/** The part of ipcMain the shell uses (Electron's `on` returns `this`, which a stand-in cannot be). */
export interface IpcSurface {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'> & {
    on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
    removeAllListeners(channel: string): unknown;
  };
}

function senderOf(event: IpcMainEvent | IpcMainInvokeEvent): IpcSender {
  const frame = event.senderFrame;
  const contents: WebContents = event.sender;
  return {
    frameUrl: frame?.url ?? null,
    topFrame: !!frame && frame.parent === null,
    id: contents.id,
    send: (name: EventName, payload: unknown) => {
      if (!contents.isDestroyed()) contents.send(IPC.event, name, payload);
    },
  };
}

/**
 * Binds the contract to ipcMain. The only place in the app that touches ipcMain: each channel
 * goes through the one secured wrapper (sender frame check, then the contract's schema).
 */
export function registerIpc({ ipcMain }: IpcSurface, api: VeilApi, isTrusted: SenderCheck): () => void {
  const handlers = createIpcHandlers(api, isTrusted);
  const watched = new Set<number>();

  ipcMain.handle(IPC.invoke, (event, ...raw: unknown[]) => handlers.invoke(senderOf(event), ...raw));
  ipcMain.on(IPC.subscribe, (event, ...raw: unknown[]) => {
    if (!handlers.subscribe(senderOf(event), ...raw)) return;
    const contents = event.sender;
    if (watched.has(contents.id)) return;
    watched.add(contents.id);
    const release = () => {
      handlers.release(contents.id);
      watched.delete(contents.id);
      contents.off('did-start-navigation', onNavigate);
    };
    // A reload or a closed window ends the page's subscriptions (in-page route changes do not).
    const onNavigate = (details: { isMainFrame: boolean; isSameDocument: boolean }) => {
      if (details.isMainFrame && !details.isSameDocument) release();
    };
    contents.once('destroyed', release);
    contents.on('did-start-navigation', onNavigate);
  });
  ipcMain.on(IPC.unsubscribe, (event, ...raw: unknown[]) => {
    handlers.unsubscribe(senderOf(event), ...raw);
  });

  return () => {
    ipcMain.removeHandler(IPC.invoke);
    ipcMain.removeAllListeners(IPC.subscribe);
    ipcMain.removeAllListeners(IPC.unsubscribe);
    for (const id of watched) handlers.release(id);
  };
}
