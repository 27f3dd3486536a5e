import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExchangeRecord } from '../../proxy/exchange-record.js';
import type { Feature } from '../feature.js';
import { dnsFeature } from '../features/dns-feature.js';
import { privacyFeature } from '../features/privacy-feature.js';
import { routingFeature } from '../features/routing-feature.js';
import { createService } from '../service.js';
import type { Settings } from '../settings-schema.js';
import { createMemoryStore } from '../settings-store.js';

/** What a browser on this machine sends, with every header a site could learn something from. */
export const CANARY = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0 VeilSelfTest',
  referer: 'https://referrer.selftest-veil.example/page?from=selftest',
  cookie: 'veil_selftest=c4n4ry-cookie',
  clientHints: { 'Sec-CH-UA': '"Chromium";v="142"', 'Sec-CH-UA-Platform': '"Linux"', 'Sec-CH-UA-Mobile': '?0' },
  /** A client behind another proxy, or a header injected to look like one: none of it may reach the site. */
  forwarding: {
    'X-Forwarded-For': '203.0.113.7',
    Forwarded: 'for=203.0.113.7;proto=http',
    Via: '1.1 corp-proxy.selftest',
    'X-Real-IP': '203.0.113.7',
    'True-Client-IP': '203.0.113.7',
  },
} as const;

export interface CanaryResult {
  /** Headers as the echo endpoint (the "site") received them. */
  received: Array<[string, string]>;
  status: number;
  record: ExchangeRecord | null;
}

/**
 * Sends the canary through Veil's own pipeline (the user's privacy settings, a fresh loopback
 * listener, direct route) to a built-in echo endpoint and returns what arrived.
 */
export async function sendCanary(settings: Settings, timeoutMs: number): Promise<CanaryResult> {
  let received: Array<[string, string]> = [];
  const echo = createServer((req, res) => {
    const raw = req.rawHeaders;
    received = [];
    for (let i = 0; i < raw.length; i += 2) received.push([raw[i]!, raw[i + 1]!]);
    res.setHeader('Content-Type', 'text/plain');
    res.end('echo');
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as AddressInfo).port;
  const dataDir = await mkdtemp(join(tmpdir(), 'veil-selftest-'));
  let record: ExchangeRecord | null = null;
  const recorder = (): Feature => ({
    name: 'selftest-recorder',
    attach(proxy) {
      proxy.on('exchange', (r) => {
        if (r.status) record = r;
      });
    },
  });
  const doc: Settings = {
    ...settings,
    // loopback only, any free port, the canary goes direct (the route is checked on its own)
    proxy: { ...settings.proxy, enabled: true, port: 0, listen: '127.0.0.1', allowedClients: [] },
    upstream: { ...settings.upstream, default: null, rules: [] },
  };
  const service = createService({
    store: createMemoryStore(doc),
    dataDir,
    features: [privacyFeature, dnsFeature, routingFeature, recorder],
    engine: { timeouts: { upstreamConnectMs: timeoutMs, drainMs: 200 } },
  });
  try {
    const status = await service.start();
    if (!status.listening) throw new Error(status.error ?? 'the self-test pipeline did not start');
    const headers: Record<string, string> = {
      'User-Agent': CANARY.userAgent,
      Referer: CANARY.referer,
      Cookie: CANARY.cookie,
      ...CANARY.clientHints,
      ...CANARY.forwarding,
      'Proxy-Connection': 'keep-alive',
    };
    if (settings.proxy.proxyAuth) {
      headers['Proxy-Authorization'] = `Basic ${Buffer.from(settings.proxy.proxyAuth).toString('base64')}`;
    }
    const answer = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: status.listening!.port,
        path: `http://127.0.0.1:${echoPort}/veil-selftest`,
        headers: { Host: `127.0.0.1:${echoPort}`, ...headers },
        agent: false,
        timeout: timeoutMs,
      });
      req.once('timeout', () => req.destroy(new Error('the canary got no answer in time')));
      req.once('error', reject);
      req.once('response', (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.end();
    });
    // the record is emitted when the exchange ends, right after the body
    for (let i = 0; i < 20 && !record; i++) await new Promise((r) => setTimeout(r, 10));
    return { received, status: answer, record };
  } finally {
    await service.shutdown(500);
    await new Promise<void>((r) => echo.close(() => r()));
    await rm(dataDir, { recursive: true, force: true });
  }
}
