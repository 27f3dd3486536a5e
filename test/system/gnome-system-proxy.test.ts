import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notice } from '../../proxy-core/src/control/contract.js';
import { createSystemFeature } from '../../proxy-core/src/control/features/system-feature.js';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { createGnomeProxy } from '../../proxy-core/src/system/gnome-proxy.js';
import { JOURNAL_FILE } from '../../proxy-core/src/system/journal.js';
import { createGsettingsEnv, type GsettingsEnv, useInProcess, waitFor } from './gsettings-env.js';

const MODE = 'org.gnome.system.proxy mode';
const URL_KEY = 'org.gnome.system.proxy autoconfig-url';
const HTTP_HOST = 'org.gnome.system.proxy.http host';
const HTTP_PORT = 'org.gnome.system.proxy.http port';
const IGNORE = 'org.gnome.system.proxy ignore-hosts';

let g: GsettingsEnv;
let undoEnv: () => void;
let service: VeilService | undefined;
let notices: Notice[];

beforeEach(() => {
  g = createGsettingsEnv();
  undoEnv = useInProcess(g);
  notices = [];
  // The user's own manual proxy, which Veil must give back exactly.
  g.set(HTTP_HOST, "'corp.example'");
  g.set(HTTP_PORT, '3128');
  g.set(IGNORE, "['localhost', 'intranet.example']");
  g.set(MODE, "'manual'");
});

afterEach(async () => {
  await service?.shutdown(5000);
  service = undefined;
  undoEnv();
  g.cleanup();
});

async function startVeil(systemProxy: Partial<ReturnType<typeof defaultSettings>['systemProxy']> = {}) {
  const settings = defaultSettings();
  settings.proxy.port = 0;
  settings.systemProxy = { ...settings.systemProxy, ...systemProxy };
  service = createService({
    store: createMemoryStore(settings),
    dataDir: g.dir,
    features: [createSystemFeature({ platform: createGnomeProxy(), watchdog: null, guardIntervalMs: 200 })],
  });
  service.on('notice', (n) => notices.push(n));
  await service.start();
  // Applying runs once the engine listens; system.state answers after pending changes settle.
  await service.invoke('system.state');
  return service;
}

describe('GNOME system proxy through real gsettings', { timeout: 60_000 }, () => {
  it('enable sets mode auto and the PAC URL; disable restores the exact previous manual proxy', async () => {
    const before = { mode: g.get(MODE), host: g.get(HTTP_HOST), port: g.get(HTTP_PORT), ignore: g.get(IGNORE) };
    const veil = await startVeil();
    const on = await veil.invoke('system.enable');
    expect(on.active).toBe(true);
    expect(on.platform).toBe('gnome');
    expect(g.get(MODE)).toBe("'auto'");
    expect(g.get(URL_KEY)).toBe(`'${on.pacUrl}'`);
    expect(on.pacUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/proxy\.pac$/);
    expect(existsSync(join(g.dir, JOURNAL_FILE))).toBe(true);
    expect((await veil.invoke('status.get')).systemProxy.active).toBe(true);

    const off = await veil.invoke('system.disable');
    expect(off.active).toBe(false);
    expect({ mode: g.get(MODE), host: g.get(HTTP_HOST), port: g.get(HTTP_PORT), ignore: g.get(IGNORE) }).toEqual(
      before,
    );
    expect(g.get(URL_KEY)).toBe("''");
    expect(existsSync(join(g.dir, JOURNAL_FILE))).toBe(false);
  });

  it('the served PAC routes through Veil and goes DIRECT once Veil is off', async () => {
    const veil = await startVeil({ enabled: true, failClosed: false });
    const st = await veil.invoke('system.state');
    const port = (await veil.invoke('status.get')).listening!.port;
    expect(await (await fetch(st.pacUrl!)).text()).toContain(`"PROXY 127.0.0.1:${port}; DIRECT"`);
    await veil.invoke('proxy.stop');
    expect((await veil.invoke('system.state')).active).toBe(false);
    expect(await (await fetch(st.pacUrl!)).text()).toContain('return "DIRECT"');
    expect(g.get(MODE)).toBe("'manual'");
    await veil.invoke('proxy.start');
    expect((await veil.invoke('system.state')).active).toBe(true);
    expect(g.get(MODE)).toBe("'auto'");
  });

  it('manual mode sets host, port and the bypass list, and restores them', async () => {
    const veil = await startVeil({ mode: 'manual', bypass: ['bank.example'] });
    await veil.invoke('system.enable');
    const port = (await veil.invoke('status.get')).listening!.port;
    expect(g.get(MODE)).toBe("'manual'");
    expect(g.get(HTTP_HOST)).toBe("'127.0.0.1'");
    expect(g.get(HTTP_PORT)).toBe(String(port));
    expect(g.get(IGNORE)).toContain("'192.168.0.0/16'");
    expect(g.get(IGNORE)).toContain("'bank.example'");
    await veil.invoke('system.disable');
    expect(g.get(HTTP_HOST)).toBe("'corp.example'");
    expect(g.get(HTTP_PORT)).toBe('3128');
    expect(g.get(IGNORE)).toBe("['localhost', 'intranet.example']");
  });

  it('does not clobber a change another program made meanwhile, and says so', async () => {
    const veil = await startVeil();
    await veil.invoke('system.enable');
    g.set(MODE, "'none'");
    const off = await veil.invoke('system.disable');
    expect(off.active).toBe(false);
    expect(g.get(MODE)).toBe("'none'");
    expect(g.get(URL_KEY)).not.toBe("''");
    expect(notices.map((n) => n.code)).toContain('SYSTEM_PROXY_NOT_RESTORED');
    expect(existsSync(join(g.dir, JOURNAL_FILE))).toBe(false);
  });

  it('the guard notices a foreign rewrite, raises a notice, and system.enable re-applies', async () => {
    const veil = await startVeil({ enabled: true });
    expect(g.get(MODE)).toBe("'auto'");
    g.set(MODE, "'none'");
    await waitFor('the guard notice', () => notices.some((n) => n.code === 'SYSTEM_PROXY_CHANGED'));
    const st = await veil.invoke('system.state');
    expect(st.active).toBe(false);
    expect(st.foreignChange).toContain("'auto' → 'none'");
    // A later settings change does not re-apply over the other program on its own.
    await veil.invoke('settings.update', { patch: { systemProxy: { bypass: ['x.example'] } } });
    expect(g.get(MODE)).toBe("'none'");
    const again = await veil.invoke('system.enable');
    expect(again.active).toBe(true);
    expect(g.get(MODE)).toBe("'auto'");
    // Disabling now gives back what was there before the re-apply (the other program's choice).
    await veil.invoke('system.disable');
    expect(g.get(MODE)).toBe("'none'");
  });

  it('shutdown (quit) restores the previous settings', async () => {
    await startVeil({ enabled: true });
    expect(g.get(MODE)).toBe("'auto'");
    await service!.shutdown(5000);
    service = undefined;
    expect(g.get(MODE)).toBe("'manual'");
    expect(g.get(HTTP_HOST)).toBe("'corp.example'");
  });

  it('leaves the system proxy to another running Veil, and takes over once it is gone', async () => {
    // Another Veil (here: a live process) holds the proxy; its journal has the user's settings.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const otherPac = "'http://127.0.0.1:1/other/proxy.pac'";
    const previous = {
      'org.gnome.system.proxy autoconfig-url': g.get(URL_KEY),
      'org.gnome.system.proxy ignore-hosts': g.get(IGNORE),
      'org.gnome.system.proxy.http host': g.get(HTTP_HOST),
      'org.gnome.system.proxy.http port': g.get(HTTP_PORT),
      'org.gnome.system.proxy.https host': "''",
      'org.gnome.system.proxy.https port': '0',
      'org.gnome.system.proxy mode': g.get(MODE),
    };
    g.set(URL_KEY, otherPac);
    g.set(MODE, "'auto'");
    const applied = {
      ...previous,
      'org.gnome.system.proxy autoconfig-url': otherPac,
      'org.gnome.system.proxy mode': "'auto'",
    };
    const journal = { version: 1, platform: 'gnome', ownerPid: other.pid, previous, applied, at: Date.now() };
    writeFileSync(join(g.dir, JOURNAL_FILE), JSON.stringify(journal));
    try {
      const veil = await startVeil({ enabled: true });
      const st = await veil.invoke('system.state');
      expect(st.active).toBe(false);
      expect(st.error).toContain(`process ${other.pid}`);
      expect(g.get(URL_KEY)).toBe(otherPac);
      expect(notices.map((n) => n.code)).toContain('SYSTEM_PROXY_OWNED');
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
      // The other Veil died without giving the settings back: its journal is replayed, then this one applies.
      const now = await veil.invoke('system.enable');
      expect(now.active).toBe(true);
      expect(g.get(URL_KEY)).toBe(`'${now.pacUrl}'`);
      await veil.invoke('system.disable');
      expect(g.get(MODE)).toBe("'manual'");
      expect(g.get(HTTP_HOST)).toBe("'corp.example'");
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('replays a journal from before a reboot even if its pid is in use again', async () => {
    const previous = {
      'org.gnome.system.proxy autoconfig-url': "''",
      'org.gnome.system.proxy ignore-hosts': g.get(IGNORE),
      'org.gnome.system.proxy.http host': g.get(HTTP_HOST),
      'org.gnome.system.proxy.http port': g.get(HTTP_PORT),
      'org.gnome.system.proxy.https host': "''",
      'org.gnome.system.proxy.https port': '0',
      'org.gnome.system.proxy mode': "'manual'",
    };
    g.set(URL_KEY, "'http://127.0.0.1:1/old/proxy.pac'");
    g.set(MODE, "'auto'");
    // pid 1 is always alive; the boot time says the journal is from an earlier boot.
    const journal = {
      version: 1,
      platform: 'gnome',
      ownerPid: 1,
      bootTime: Date.now() - 86_400_000 * 10,
      previous,
      applied: null,
      at: 0,
    };
    writeFileSync(join(g.dir, JOURNAL_FILE), JSON.stringify(journal));
    await startVeil();
    expect(g.get(MODE)).toBe("'manual'");
    expect(g.get(URL_KEY)).toBe("''");
    expect(notices.map((n) => n.code)).toContain('SYSTEM_PROXY_RECOVERED');
  });
});
