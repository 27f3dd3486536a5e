import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * A keep-alive http.Agent whose new connections come from `dial` (through a SOCKS server, or to
 * an HTTP proxy) instead of a plain TCP connect. Node's Agent accepts a createConnection that
 * answers through its callback; dial errors reach the request as they are (ProxyErrors naming the upstream).
 */
export function dialingAgent(
  dial: (host: string, port: number) => Promise<{ socket: Duplex }>,
  maxFreeSockets = 256,
): Agent {
  const agent = new Agent({ keepAlive: true, maxFreeSockets, scheduling: 'lifo' });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    opts: { host: string; port: number | string },
    callback: (err: Error | null, socket?: Duplex) => void,
  ): undefined => {
    dial(opts.host, Number(opts.port)).then(
      ({ socket }) => callback(null, socket),
      (err: Error) => callback(err),
    );
    return undefined;
  };
  return agent;
}
