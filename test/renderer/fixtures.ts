import type { ExchangeRecord, ProfileInfo, Settings, Status } from '../../proxy-core/src/control/contract.js';
import { defaultSettings } from '../../proxy-core/src/control/settings-schema.js';

/** A running service's status. */
export function makeStatus(over: Partial<Status> = {}): Status {
  return {
    running: true,
    listening: { host: '127.0.0.1', port: 8899 },
    profile: 'standard',
    upstream: { name: 'direct', reachable: null },
    systemProxy: { active: false, platform: 'unsupported', mode: 'pac' },
    counters: {
      requests: 1204,
      blocked: 312,
      headersRemoved: 2981,
      bytesUp: 10_240,
      bytesDown: 5_242_880,
      cacheHits: 120,
      requestsPerSecond: 3.5,
    },
    trafficPaused: false,
    notices: [],
    ...over,
  };
}

/** The default settings document, with changes. */
export function makeSettings(patch: (s: Settings) => void = () => {}): Settings {
  const s = defaultSettings();
  patch(s);
  return s;
}

let nextId = 1;

/** One exchange record; ids increase like the engine's. */
export function makeRecord(over: Partial<ExchangeRecord> = {}): ExchangeRecord {
  const id = over.id ?? nextId++;
  return {
    id,
    state: 'done',
    startedAt: Date.UTC(2026, 10, 30, 10, 0, 0) + id,
    clientAddress: '127.0.0.1',
    method: 'GET',
    url: `http://example.com/page/${id}`,
    host: 'example.com',
    kind: 'http',
    httpVersion: '1.1',
    status: 200,
    bytesUp: 200,
    bytesDown: 1500,
    timings: { dns: 1, connect: 2, firstByte: 20, total: 25 },
    route: 'direct',
    requestHeaders: [
      ['Host', 'example.com'],
      ['User-Agent', 'curl/8.0'],
      ['X-Forwarded-For', '10.0.0.7'],
    ],
    forwardedRequestHeaders: [
      ['Host', 'example.com'],
      ['User-Agent', 'Mozilla/5.0'],
    ],
    responseHeaders: [['Content-Type', 'text/html']],
    forwardedResponseHeaders: [['Content-Type', 'text/html']],
    receipt: [
      {
        direction: 'request',
        action: 'removed',
        header: 'X-Forwarded-For',
        oldValue: '10.0.0.7',
        rule: 'standard/forwarding-headers',
      },
      {
        direction: 'request',
        action: 'replaced',
        header: 'User-Agent',
        oldValue: 'curl/8.0',
        newValue: 'Mozilla/5.0',
        rule: 'standard/user-agent',
      },
    ],
    profile: 'standard',
    ...over,
  };
}

export const builtInProfiles: ProfileInfo[] = [
  {
    id: 'strict',
    name: 'Strict',
    description: 'Hides as much as possible; some sites may break.',
    removeForwardingHeaders: true,
    userAgent: 'replace',
    removeClientHints: true,
    referer: 'remove',
    cookies: 'block',
    sendGpc: true,
    acceptLanguage: 'en-US,en;q=0.9',
    removeHeaders: [],
    removeThirdPartyEtag: true,
    builtIn: true,
  },
  {
    id: 'standard',
    name: 'Standard',
    description: 'Hides what identifies you and keeps sites working.',
    removeForwardingHeaders: true,
    userAgent: 'replace',
    removeClientHints: true,
    referer: 'origin-when-cross-site',
    cookies: 'block-third-party',
    sendGpc: true,
    acceptLanguage: null,
    removeHeaders: [],
    removeThirdPartyEtag: false,
    builtIn: true,
  },
];
