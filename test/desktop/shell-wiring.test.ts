import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IPC } from '../../electron/bridge-types.js';
import { startOrigin, viaProxy } from '../control/helpers.js';
import { electronEvent, InstanceLock } from './electron-stand-in.js';
import { cleanupShells, eventually, iconName, launchShell } from './shell-harness.js';

beforeAll(() => {
  // These scenarios do not touch the system proxy; the GNOME ones are in shell-system-proxy.test.ts.
  process.env.VEIL_SYSTEM_PROXY = 'none';
});
afterEach(cleanupShells);

/** Whether something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('the desktop shell on an in-memory Electron', () => {
  it('start: the service starts and the tray shows the menu and the icon for its state', async () => {
    const run = launchShell();
    await run.started;
    expect(run.app.calls[0]).toBe('requestSingleInstanceLock');
    expect(run.privilegedSchemes.map((s) => s.scheme)).toEqual(['veil-app']);
    await eventually(() => expect(iconName(run)).toBe('tray-on.png'));
    const menu = run.tray().menu!;
    expect(menu.items.filter((i) => i.type !== 'separator').map((i) => [i.label, i.checked])).toEqual([
      ['Veil on', true],
      ['Use as system proxy', false],
      ['Profile', false],
      ['Open Veil', false],
      ['Pause traffic log', false],
      ['Quit Veil', false],
    ]);
    expect(menu.item('Use as system proxy').enabled).toBe(false);
    expect(run.tray().tooltip).toMatch(/^Veil is on — \d+ requests, 0 blocked$/);
    // The engine really listens: a request through it reaches a local origin.
    const status = await run.command('status.get');
    const origin = await startOrigin();
    try {
      const res = await viaProxy(status.listening!.port, `${origin.url}/through-the-tray-app`);
      expect(res).toMatchObject({ status: 200, body: 'hello /through-the-tray-app' });
    } finally {
      await origin.close();
    }
    // The UI is served from the app origin with its CSP.
    const page = await run.protocolHandlers.get('veil-app')!(new Request('veil-app://ui/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    // A foreign page is refused by the IPC wrapper.
    const foreign = await run.invokeFromPage(IPC.invoke, 'https://evil.example/', 'status.get');
    expect(foreign).toMatchObject({ ok: false, code: 'E_FORBIDDEN' });
  });

  it("the tray's toggle stops and starts the proxy, and the menu and icon follow", async () => {
    const run = launchShell();
    await run.started;
    await eventually(() => expect(iconName(run)).toBe('tray-on.png'));
    const port = (await run.command('status.get')).listening!.port;
    expect(await accepts(port)).toBe(true);

    run.tray().menu!.item('Veil on').click();
    await eventually(() => expect(iconName(run)).toBe('tray-off.png'));
    expect(run.tray().menu!.item('Veil on').checked).toBe(false);
    expect(run.tray().tooltip).toBe('Veil is off');
    expect(await accepts(port)).toBe(false);
    expect((await run.command('settings.get')).proxy.enabled).toBe(false);

    run.tray().menu!.item('Veil on').click();
    await eventually(() => expect(iconName(run)).toBe('tray-on.png'));
    expect(run.tray().menu!.item('Veil on').checked).toBe(true);
    const again = await run.command('status.get');
    expect(again.running).toBe(true);
    expect(await accepts(again.listening!.port)).toBe(true);
  });

  it('an engine error shows the error icon and one notification per minute, not one per failure', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = launchShell({ config: { proxy: { port } } });
      await run.started;
      await eventually(() => expect(iconName(run)).toBe('tray-error.png'));
      expect(run.tray().tooltip).toMatch(new RegExp(`^Veil — .*${port}`));
      expect(run.tray().menu!.item('Veil on').checked).toBe(false);
      expect(run.notifications).toHaveLength(1);
      expect(run.notifications[0]!.body).toMatch(new RegExp(`${port}[\\s\\S]*Choose another port`));
      // Trying again from the tray fails the same way: the icon stays, the notification is not repeated.
      for (let i = 0; i < 3; i++) {
        run.tray().menu!.item('Veil on').click();
        await eventually(async () => expect((await run.command('status.get')).notices.length).toBeGreaterThan(i + 1));
      }
      expect(iconName(run)).toBe('tray-error.png');
      expect(run.notifications).toHaveLength(1);
    } finally {
      taken.close();
    }
  });

  it('settings that cannot be read stop the start with a message, instead of an empty tray', async () => {
    const run = launchShell();
    // A folder where the settings file should be: reading it fails (EISDIR), as an unreadable file would.
    rmSync(run.host.configPath);
    mkdirSync(run.host.configPath);
    await run.started;
    expect(run.app.exitCode).toBe(1);
    expect(run.errorBoxes).toHaveLength(1);
    expect(run.errorBoxes[0]!.title).toBe('Veil cannot start');
    expect(run.errorBoxes[0]!.content).toMatch(/Cannot read the settings file .*config\.json.*Check its permissions/);
    expect(run.trays).toHaveLength(0);
  });

  it('a second instance focuses the existing window instead of starting another engine', async () => {
    const lock = new InstanceLock();
    const first = launchShell({ standIn: { lock } });
    await first.started;
    await eventually(() => expect(first.tray().menu).not.toBeNull());
    first.tray().menu!.item('Open Veil').click();
    expect(first.windows).toHaveLength(1);
    const win = first.windows[0]!;
    await eventually(() => expect(win.visible).toBe(true));
    win.minimized = true;
    const focusedBefore = win.focused;

    const second = launchShell({ standIn: { lock } });
    await second.started;
    // The second launch quits at once: no tray, no window, no IPC, no engine.
    expect(second.app.exitCode).toBe(0);
    expect(second.trays).toHaveLength(0);
    expect(second.windows).toHaveLength(0);
    expect(second.ipcHandlers.size).toBe(0);
    expect(second.protocolHandlers.size).toBe(0);
    // The first brings its one window back.
    expect(first.windows).toHaveLength(1);
    expect(win.minimized).toBe(false);
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(focusedBefore + 1);
  });

  it('closing the window keeps Veil in the tray; quitting closes it for real', async () => {
    const run = launchShell({ host: { argv: ['/opt/electron/electron', '/work/veil', '--show'] } });
    await run.started;
    expect(run.windows).toHaveLength(1);
    const win = run.windows[0]!;
    await eventually(() => expect(win.visible).toBe(true));
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });

    const close = win.userCloses();
    expect(close.defaultPrevented).toBe(true);
    expect(win.visible).toBe(false);
    expect(win.isDestroyed()).toBe(false);
    run.app.emit('window-all-closed');
    expect(run.app.exitCode).toBeNull();
    expect(run.tray().isDestroyed()).toBe(false);
    expect((await run.command('status.get')).running).toBe(true);

    // "Open Veil" shows the same window again.
    run.tray().menu!.item('Open Veil').click();
    expect(run.windows).toHaveLength(1);
    expect(win.visible).toBe(true);

    await run.quitAndWait();
    expect(win.isDestroyed()).toBe(true);
    expect(run.tray().isDestroyed()).toBe(true);
    expect(run.ipcHandlers.size).toBe(0);
  });

  it('the window never navigates: https links go to the browser, anything else nowhere', async () => {
    const run = launchShell({ host: { argv: ['electron', '/work/veil', '--show'] } });
    await run.started;
    const contents = run.windows[0]!.webContents;
    for (const url of ['https://github.com/veil', 'http://example.com/', 'file:///etc/passwd']) {
      const event = electronEvent({ url });
      contents.emit('will-navigate', event);
      expect(event.defaultPrevented, url).toBe(true);
    }
    const opened = contents.windowOpenHandler!({
      url: 'https://example.org/help',
      frameName: '',
      features: '',
      disposition: 'foreground-tab',
      referrer: { url: 'veil-app://ui/index.html', policy: 'strict-origin-when-cross-origin' },
    });
    expect(opened).toEqual({ action: 'deny' });
    expect(run.openedExternally).toEqual(['https://github.com/veil', 'https://example.org/help']);
  });

  it('a crashed renderer is reloaded; one that keeps crashing is closed with a notification', async () => {
    const run = launchShell({ standIn: { dark: true }, host: { argv: ['electron', '/work/veil', '--show'] } });
    await run.started;
    const win = run.windows[0]!;
    expect(win.backgrounds).toEqual(['#15181d']);
    run.nativeTheme.shouldUseDarkColors = false;
    run.nativeTheme.emit('updated');
    expect(win.backgrounds).toEqual(['#15181d', '#f6f7f9']);

    const gone = (reason: string) => win.webContents.emit('render-process-gone', {}, { reason, exitCode: 139 });
    gone('crashed');
    expect(win.webContents.reloads).toBe(1);
    gone('clean-exit');
    expect(win.webContents.reloads).toBe(1);
    gone('oom');
    gone('killed');
    expect(win.webContents.reloads).toBe(3);
    expect(run.notifications).toHaveLength(0);
    gone('crashed');
    expect(win.webContents.reloads).toBe(3);
    expect(win.isDestroyed()).toBe(true);
    expect(run.notifications.map((n) => n.body)).toEqual([
      "Veil's window stopped working (crashed) and was closed; Veil keeps running.\nOpen it again from the tray.",
    ]);
    await eventually(() => expect(run.tray().menu).not.toBeNull());
    run.tray().menu!.item('Open Veil').click();
    expect(run.windows).toHaveLength(2);
    expect(run.windows[1]!.isDestroyed()).toBe(false);
    // The closed window stopped following the theme; the new one follows it.
    expect(run.nativeTheme.listenerCount('updated')).toBe(1);
  });

  it('waking from sleep and a network change re-check the upstream', async () => {
    const upstream = createServer((s) => s.destroy());
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const run = launchShell({ config: { proxy: { port: 0 }, upstream: { default: url } } });
    await run.started;
    expect((await run.command('status.get')).upstream.reachable).toBeNull();

    run.powerMonitor.emit('resume');
    await eventually(async () => expect((await run.command('status.get')).upstream.reachable).toBe(true));
    expect(run.notifications).toHaveLength(0);

    await new Promise<void>((r) => upstream.close(() => r()));
    run.network.interfaces = {
      ...run.network.interfaces,
      wlan9: [
        {
          address: '192.0.2.7',
          netmask: '255.255.255.0',
          family: 'IPv4',
          mac: '02:00:00:00:00:09',
          internal: false,
          cidr: '192.0.2.7/24',
        },
      ],
    };
    await eventually(async () => expect((await run.command('status.get')).upstream.reachable).toBe(false));
    await eventually(() => expect(run.notifications).toHaveLength(1));
    expect(run.notifications[0]!.body).toMatch(/^The upstream proxy .* cannot be reached after a network change: /);
  });

  it('an upstream that is back by the second look after waking is not reported', async () => {
    const upstream = createServer((s) => s.destroy());
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const port = (upstream.address() as AddressInfo).port;
    const run = launchShell({
      config: { proxy: { port: 0 }, upstream: { default: `http://127.0.0.1:${port}` } },
      host: { upstreamRetryMs: 1500 },
    });
    await run.started;
    await new Promise<void>((r) => upstream.close(() => r()));
    run.powerMonitor.emit('resume');
    await eventually(async () => expect((await run.command('status.get')).upstream.reachable).toBe(false));
    // The route comes up a moment after waking.
    upstream.listen(port, '127.0.0.1');
    await once(upstream, 'listening');
    try {
      await eventually(async () => expect((await run.command('status.get')).upstream.reachable).toBe(true));
      expect(run.notifications).toEqual([]);
    } finally {
      upstream.close();
    }
  });
});
