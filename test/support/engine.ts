import { createProxy, type ProxyEngine } from '../../proxy-core/src/proxy/create-proxy.js';
import type { ExchangeRecord } from '../../proxy-core/src/proxy/exchange-record.js';
import type { ProxyOptions } from '../../proxy-core/src/proxy/proxy-options.js';

/** A running engine on a free loopback port, collecting its records. */
export interface TestProxy {
  engine: ProxyEngine;
  port: number;
  url: string;
  records: ExchangeRecord[];
  /** Resolves with the next record that matches. */
  nextRecord(match?: (r: ExchangeRecord) => boolean): Promise<ExchangeRecord>;
  close(): Promise<void>;
}

/** Starts Veil's engine on 127.0.0.1:0 with `options`. */
export async function startProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const engine = createProxy({ port: 0, ...options });
  const records: ExchangeRecord[] = [];
  const waiters: Array<{ match: (r: ExchangeRecord) => boolean; resolve: (r: ExchangeRecord) => void }> = [];
  engine.on('exchange', (r) => {
    records.push(r);
    for (const w of waiters.splice(0)) {
      if (w.match(r)) w.resolve(r);
      else waiters.push(w);
    }
  });
  const { port } = await engine.listen();
  return {
    engine,
    port,
    url: `http://127.0.0.1:${port}`,
    records,
    nextRecord(match = () => true) {
      const found = records.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () => engine.close(),
  };
}
