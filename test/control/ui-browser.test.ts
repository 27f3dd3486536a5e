import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type VeilService } from '../../proxy-core/src/control/service.js';
import { createMemoryStore } from '../../proxy-core/src/control/settings-store.js';
import { startUiServer, type UiServer } from '../../proxy-core/src/control/ui-server.js';
import { tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`skipping the browser transport tests: ${CHROMIUM} is absent (apt-get install chromium)`);

/** A page that opens the API with the token from its fragment and reports what happened in its title. */
const PROBE = `
const target = new URL(location.href).searchParams.get('api') || location.host;
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
const ws = new WebSocket('ws://' + target + '/ws?token=' + encodeURIComponent(token));
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.hello) ws.send(JSON.stringify({ id: 1, command: 'status.get' }));
  else if (m.id === 1) document.title = 'ok ' + m.result.running;
};
ws.onclose = () => { if (!document.title.startsWith('ok')) document.title = 'refused'; };
`;
const PAGE = '<!doctype html><title>probe</title><script src="./probe.js"></script>';

describe.skipIf(!haveChromium)('the UI transport in Chromium', () => {
  let service: VeilService;
  let ui: UiServer;
  let attacker: Server;
  let attackerPort: number;
  let browser: Browser;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    const root = join(t.dir, 'renderer');
    await mkdir(root);
    await writeFile(join(root, 'index.html'), PAGE);
    await writeFile(join(root, 'probe.js'), PROBE);
    service = createService({ store: createMemoryStore(), dataDir: t.dir, overrides: { proxy: { port: 0 } } });
    await service.start();
    ui = await startUiServer({ service, staticDir: root });
    // another site on another port, serving the same probe: a CSRF attempt from a foreign origin
    attacker = createServer((req, res) => {
      const js = req.url?.startsWith('/probe.js');
      res.writeHead(200, { 'Content-Type': js ? 'text/javascript' : 'text/html' });
      res.end(js ? PROBE : PAGE);
    });
    attacker.listen(0, '127.0.0.1');
    await once(attacker, 'listening');
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    attacker?.closeAllConnections();
    await new Promise((r) => attacker?.close(r));
    await ui?.close();
    await service?.shutdown();
    await cleanup?.();
  });

  async function titleOf(url: string): Promise<string> {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.title !== 'probe', undefined, { timeout: 20_000 });
    const title = await page.title();
    await page.close();
    return title;
  }

  it('connects from the printed address (the CSP allows it)', async () => {
    expect(await titleOf(ui.url)).toBe('ok true');
  });

  it('refuses the same page without the token', async () => {
    expect(await titleOf(`http://127.0.0.1:${ui.port}/`)).toBe('refused');
  });

  it('refuses another origin that knows the token (CSRF)', async () => {
    const url = `http://127.0.0.1:${attackerPort}/?api=127.0.0.1:${ui.port}#token=${ui.token}`;
    expect(await titleOf(url)).toBe('refused');
  });
});
