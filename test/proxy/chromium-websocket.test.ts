import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { type Origin, startHttpOrigin } from './helpers/origins.js';
import { startProxy, type TestProxy } from './helpers/proxy.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`skipping the Chromium WebSocket test: ${CHROMIUM} is absent (apt-get install chromium)`);

// the page opens a WebSocket to its own origin and puts the echo in its title
const PAGE = `<!doctype html><title>probe</title><script>
const ws = new WebSocket('ws://' + location.host + '/chat');
ws.onopen = () => ws.send('hello from chromium');
ws.onmessage = (e) => { document.title = 'got ' + e.data; };
ws.onerror = () => { document.title = 'error'; };
</script>`;

describe.skipIf(!haveChromium)('a browser WebSocket through Veil', () => {
  let origin: Origin;
  let wss: WebSocketServer;
  let proxy: TestProxy;
  let browser: Browser;

  beforeAll(async () => {
    origin = await startHttpOrigin((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(PAGE);
    });
    wss = new WebSocketServer({ server: origin.server as never });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m}`)));
    // Chromium sends ws:// through an HTTP proxy as CONNECT host:port; the origin's port stands in for 80
    proxy = await startProxy({ allowedConnectPorts: [origin.port], cleartextConnectPorts: [origin.port] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        `--proxy-server=http://127.0.0.1:${proxy.port}`,
        '--proxy-bypass-list=<-loopback>',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    wss?.close();
    await proxy?.close();
    await origin?.close();
  });

  it('opens, sends and receives (CONNECT to a cleartext port, HTTP inside handled by the pipeline)', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${origin.port}/`);
    await page.waitForFunction(() => document.title !== 'probe', undefined, { timeout: 20_000 });
    expect(await page.title()).toBe('got echo hello from chromium');
    await page.close();
    // Chromium's own background requests are refused (port not allowed); this tunnel is the page's
    const tunnelRec = await proxy.nextRecord((r) => r.kind === 'connect' && r.url === `127.0.0.1:${origin.port}`);
    expect(tunnelRec.status).toBe(200);
    const ws = await proxy.nextRecord((r) => r.kind === 'websocket');
    expect(ws.via).toBe('tunnel');
    expect(ws.status).toBe(101);
    expect(ws.url).toBe(`http://127.0.0.1:${origin.port}/chat`);
  }, 30_000);
});
