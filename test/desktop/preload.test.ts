import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, Script } from 'node:vm';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { VeilDesktopApi } from '../../electron/bridge-types.js';
import { CONTRACT_ARG, IPC } from '../../electron/bridge-types.js';
import {
  type CommandName,
  commandArgs,
  eventNames,
  type Status,
  type SystemProxyState,
} from '../../proxy-core/src/control/contract.js';

const PRELOAD = join(import.meta.dirname, '..', '..', 'dist', 'electron', 'preload.cjs');

interface Loaded {
  api: Record<string, unknown> & VeilDesktopApi;
  required: string[];
  sent: unknown[][];
  invokes: unknown[][];
  deliver(...args: unknown[]): void;
  reply: { value: unknown };
}

/**
 * Runs the compiled preload the way Electron's sandbox does: a function wrapper with a polyfilled
 * `require` that only knows `electron`, here answering with a recording contextBridge and ipcRenderer.
 */
function loadPreload(): Loaded {
  const required: string[] = [];
  const sent: unknown[][] = [];
  const invokes: unknown[][] = [];
  const reply = { value: { ok: true, value: null } as unknown };
  let exposed: unknown;
  let eventListener: ((...a: unknown[]) => void) | undefined;
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => {
        expect(key).toBe('veil');
        exposed = value;
      },
    },
    ipcRenderer: {
      invoke: async (...a: unknown[]) => {
        invokes.push(a);
        return reply.value;
      },
      send: (...a: unknown[]) => sent.push(a),
      on: (channel: string, l: (...a: unknown[]) => void) => {
        expect(channel).toBe(IPC.event);
        eventListener = l;
      },
    },
  };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`A sandboxed preload cannot require ${name}`);
  };
  const names = { commands: Object.keys(commandArgs), events: eventNames };
  const proc = { argv: ['/electron', `${CONTRACT_ARG}${Buffer.from(JSON.stringify(names)).toString('base64')}`] };
  const code = readFileSync(PRELOAD, 'utf8');
  const wrapper = new Script(
    `(function(require, process, Buffer, global, setImmediate, clearImmediate, exports, module) {\n${code}\n})`,
  );
  const fn = wrapper.runInContext(createContext({})) as (...a: unknown[]) => void;
  const module = { exports: {} };
  fn(sandboxRequire, proc, Buffer, {}, setImmediate, clearImmediate, module.exports, module);
  return {
    api: exposed as Loaded['api'],
    required,
    sent,
    invokes,
    reply,
    deliver: (...a) => eventListener?.({}, ...a),
  };
}

beforeAll(() => {
  if (!existsSync(PRELOAD)) throw new Error(`${PRELOAD} is missing: run \`npx tsc -b\` first.`);
});

describe('preload (run as the sandbox runs it)', () => {
  it('requires only electron and exposes one named function per command and event', () => {
    const { api, required } = loadPreload();
    expect(required).toEqual(['electron']);
    for (const c of Object.keys(commandArgs) as CommandName[]) {
      const [area, verb] = c.split('.') as [string, string];
      expect(typeof (api[area] as Record<string, unknown>)[verb], c).toBe('function');
    }
    expect(typeof api.onStatus).toBe('function');
    expect(typeof api.onBlocklistProgress).toBe('function');
    expect(typeof api.invoke).toBe('function');
  });

  it('typed calls go over the one invoke channel and unwrap the reply', async () => {
    const l = loadPreload();
    l.reply.value = { ok: true, value: { active: true, platform: 'gnome', mode: 'pac' } };
    const state = await l.api.system.enable();
    expect(state.active).toBe(true);
    expect(l.invokes).toEqual([[IPC.invoke, 'system.enable', undefined]]);
    l.reply.value = { ok: false, code: 'E_INVALID_ARGS', message: 'Invalid arguments for settings.update', errors: [] };
    await expect(l.api.settings.update({ patch: {} })).rejects.toMatchObject({ code: 'E_INVALID_ARGS' });
  });

  it('the generic pair accepts contract names only', async () => {
    const l = loadPreload();
    await expect(l.api.invoke('fs.readFile' as CommandName)).rejects.toThrow(/Unknown command/);
    expect(l.invokes).toEqual([]);
    expect(() => l.api.on('everything' as 'status', () => undefined)).toThrow(/Unknown event/);
  });

  it('subscribes once per event, fans out, and unsubscribes with the last listener', () => {
    const l = loadPreload();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = l.api.onStatus((s) => a.push(s));
    const offB = l.api.on('status', (s) => b.push(s));
    expect(l.sent).toEqual([[IPC.subscribe, 'status']]);
    l.deliver('status', { running: true });
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    offA();
    expect(l.sent).toHaveLength(1);
    offB();
    expect(l.sent.at(-1)).toEqual([IPC.unsubscribe, 'status']);
    l.deliver('status', { running: false });
    expect(a).toHaveLength(1);
  });

  it('its types follow the contract', () => {
    expectTypeOf<VeilDesktopApi['system']['enable']>().returns.resolves.toEqualTypeOf<SystemProxyState>();
    expectTypeOf<VeilDesktopApi['status']['get']>().returns.resolves.toEqualTypeOf<Status>();
    expectTypeOf<Parameters<VeilDesktopApi['onStatus']>[0]>().parameter(0).toEqualTypeOf<Status>();
  });
});
