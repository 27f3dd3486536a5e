// The sandboxed preload: CommonJS (sandboxed preloads cannot be ES modules) and free of
// runtime imports besides electron (sandboxed preloads cannot require project files).
import electron = require('electron');

import type { ContractNames, InvokeReply, VeilDesktopApi } from './bridge-types.js';

const { contextBridge, ipcRenderer } = electron;
const CONTRACT_ARG = '--veil-contract=';
const IPC = {
  invoke: 'veil:invoke',
  subscribe: 'veil:subscribe',
  unsubscribe: 'veil:unsubscribe',
  event: 'veil:event',
};

function contractNames(): ContractNames {
  const arg = process.argv.find((a) => a.startsWith(CONTRACT_ARG));
  if (!arg) return { commands: [], events: [] };
  return JSON.parse(Buffer.from(arg.slice(CONTRACT_ARG.length), 'base64').toString('utf8')) as ContractNames;
}

const names = contractNames();
const commands = new Set<string>(names.commands);
const events = new Set<string>(names.events);
const listeners = new Map<string, Set<(payload: unknown) => void>>();

class VeilCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

async function invoke(command: string, args?: unknown): Promise<unknown> {
  if (!commands.has(command)) throw new VeilCommandError('E_UNKNOWN_COMMAND', `Unknown command ${String(command)}`);
  const reply = (await ipcRenderer.invoke(IPC.invoke, command, args)) as InvokeReply;
  if (reply.ok) return reply.value;
  throw new VeilCommandError(reply.code, reply.message, reply.errors);
}

function on(event: string, listener: (payload: unknown) => void): () => void {
  if (!events.has(event)) throw new Error(`Unknown event ${String(event)}`);
  if (typeof listener !== 'function') throw new Error('A listener must be a function');
  let set = listeners.get(event);
  if (!set) {
    set = new Set();
    listeners.set(event, set);
    // Main forwards an event only while someone here listens to it.
    ipcRenderer.send(IPC.subscribe, event);
  }
  set.add(listener);
  return () => {
    const current = listeners.get(event);
    if (!current?.delete(listener) || current.size > 0) return;
    listeners.delete(event);
    ipcRenderer.send(IPC.unsubscribe, event);
  };
}

ipcRenderer.on(IPC.event, (_e, event: string, payload: unknown) => {
  for (const l of listeners.get(event) ?? []) l(payload);
});

const api: Record<string, unknown> = { invoke, on };
for (const command of commands) {
  const [area, verb] = command.split('.') as [string, string];
  if (!api[area]) api[area] = {};
  const group = api[area] as Record<string, unknown>;
  group[verb] = (args?: unknown) => invoke(command, args);
}
for (const event of events) {
  const pascal = event
    .split('.')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
  api[`on${pascal}`] = (listener: (payload: unknown) => void) => on(event, listener);
}

contextBridge.exposeInMainWorld('veil', api as unknown as VeilDesktopApi);
