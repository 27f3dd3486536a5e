import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autostartEntry, autostartPath, quoteExecArg, setLinuxAutostart } from '../../electron/autostart.js';
import { throttleNotices } from '../../electron/notice-throttle.js';
import { assetPath, CONTENT_SECURITY_POLICY, isAllowedExternal, mimeFor } from '../../electron/security-policy.js';
import { type TrayAction, trayIconState, trayMenuTemplate, trayTooltip } from '../../electron/tray-menu.js';
import type { Status } from '../../proxy-core/src/control/contract.js';

function status(over: Partial<Status> = {}): Status {
  return {
    running: true,
    listening: { host: '127.0.0.1', port: 8899 },
    profile: 'standard',
    upstream: { name: 'direct', reachable: null },
    systemProxy: { active: false, platform: 'gnome', mode: 'pac' },
    counters: {
      requests: 1204,
      blocked: 312,
      headersRemoved: 0,
      bytesUp: 0,
      bytesDown: 0,
      cacheHits: 0,
      requestsPerSecond: 0,
    },
    trafficPaused: false,
    notices: [],
    ...over,
  };
}

describe('window security policy', () => {
  it('the CSP allows only the app itself: no inline script, no eval, no plugins', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    const script = CONTENT_SECURITY_POLICY.split('; ').find((d) => d.startsWith('script-src'));
    expect(script).toBe("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('opens only https links outside, never other schemes or credentials', () => {
    expect(isAllowedExternal('https://github.com/veil')).toBe(true);
    for (const bad of [
      'http://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://u:p@x.example',
      'not a url',
    ]) {
      expect(isAllowedExternal(bad), bad).toBe(false);
    }
  });

  it('serves bundled files only from inside the renderer folder', () => {
    expect(assetPath('/app/dist/renderer', '/')).toBe('/app/dist/renderer/index.html');
    expect(assetPath('/app/dist/renderer', '/assets/index-abc.js')).toBe('/app/dist/renderer/assets/index-abc.js');
    expect(assetPath('/app/dist/renderer', '/../../etc/passwd')).toBeNull();
    expect(assetPath('/app/dist/renderer', '/assets/%2e%2e/%2e%2e/secret')).toBeNull();
    expect(assetPath('/app/dist/renderer', '/a%5c..%5csecret')).toBeNull();
    expect(mimeFor('x/index.html')).toBe('text/html; charset=utf-8');
    expect(mimeFor('x/thing.bin')).toBe('application/octet-stream');
  });
});

describe('tray menu', () => {
  it("has the issue's items, reflecting the state", () => {
    const actions: TrayAction[] = [];
    const menu = trayMenuTemplate(status({ profile: 'strict' }), (a) => actions.push(a));
    const labels = menu.filter((m) => m.label).map((m) => m.label);
    expect(labels).toEqual([
      'Veil on',
      'Use as system proxy',
      'Profile',
      'Open Veil',
      'Pause traffic log',
      'Quit Veil',
    ]);
    expect(menu[0]!.checked).toBe(true);
    const profiles = menu[2]!.submenu as Array<{ label: string; type: string; checked: boolean; click(): void }>;
    expect(profiles.map((p) => [p.label, p.type, p.checked])).toEqual([
      ['Strict', 'radio', true],
      ['Standard', 'radio', false],
      ['Transparent', 'radio', false],
    ]);
    profiles[2]!.click();
    (menu[1]!.click as () => void)();
    (menu[0]!.click as () => void)();
    expect(actions).toEqual([
      { kind: 'profile', profile: 'transparent' },
      { kind: 'system-proxy', on: true },
      { kind: 'veil', on: false },
    ]);
  });

  it('disables the system proxy item where the platform is unsupported', () => {
    const menu = trayMenuTemplate(
      status({ systemProxy: { active: false, platform: 'unsupported', mode: 'pac' } }),
      () => {},
    );
    expect(menu[1]!.enabled).toBe(false);
  });

  it('shows on, off and error, with live counts in the tooltip', () => {
    expect(trayIconState(status())).toBe('on');
    expect(trayIconState(status({ running: false }))).toBe('off');
    expect(trayIconState(status({ error: 'port in use' }))).toBe('error');
    expect(
      trayIconState(status({ systemProxy: { active: false, platform: 'gnome', mode: 'pac', foreignChange: 'x' } })),
    ).toBe('error');
    expect(trayTooltip(status())).toBe('Veil is on — 1,204 requests, 312 blocked');
    expect(trayTooltip(status({ running: false }))).toBe('Veil is off');
  });
});

describe('launch at login on Linux (XDG autostart)', () => {
  it('quotes Exec arguments per the Desktop Entry spec', () => {
    expect(quoteExecArg('/opt/Veil/veil')).toBe('/opt/Veil/veil');
    expect(quoteExecArg('/home/a b/Veil.AppImage')).toBe('"/home/a b/Veil.AppImage"');
    expect(quoteExecArg('/x/$HOME"`\\')).toBe('"/x/\\$HOME\\"\\`\\\\"');
    expect(autostartEntry(['/opt/Veil/veil', '--hidden'])).toContain('Exec=/opt/Veil/veil --hidden\n');
  });

  it('writes the entry when on and removes it when off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-autostart-'));
    try {
      await setLinuxAutostart(true, dir, ['/opt/Veil/veil', '--hidden']);
      const text = readFileSync(autostartPath(dir), 'utf8');
      expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
      await setLinuxAutostart(false, dir, []);
      expect(() => readFileSync(autostartPath(dir))).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('release fuses', () => {
  it('turns off RunAsNode, NODE_OPTIONS and --inspect, and loads the app only from an integrity-checked asar', async () => {
    const require = createRequire(import.meta.url);
    const { FuseV1Options } = require('@electron/fuses') as typeof import('@electron/fuses');
    const fuses = require('../../build/fuses.cjs') as Record<number, boolean>;
    expect(fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
  });
});

describe('desktop notifications', () => {
  it('show one notification per code per minute, and each distinct code', () => {
    let t = 0;
    const shown: string[] = [];
    const notify = throttleNotices(
      (n) => shown.push(n.message),
      60_000,
      () => t,
    );
    notify({ code: 'E_TOO_MANY_CONNECTIONS', message: 'a' });
    notify({ code: 'E_TOO_MANY_CONNECTIONS', message: 'b' });
    notify({ code: 'SYSTEM_PROXY_CHANGED', message: 'c' });
    t = 61_000;
    notify({ code: 'E_TOO_MANY_CONNECTIONS', message: 'd' });
    expect(shown).toEqual(['a', 'c', 'd']);
  });
});

describe('boundaries', () => {
  it('ipcMain and ipcRenderer appear only in ipc.ts and preload.cts', () => {
    const dir = join(import.meta.dirname, '..', '..', 'electron');
    const offenders = readdirSync(dir)
      .filter((f) => /\.(c|m)?ts$/.test(f) && f !== 'ipc.ts' && f !== 'preload.cts')
      .filter((f) => /\bipc(Main|Renderer)\b/.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
