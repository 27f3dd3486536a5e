import { once } from 'node:events';
import { type AddressInfo, createServer, type LookupFunction, type Socket } from 'node:net';
import { systemLookup } from '../dns/system-lookup.js';
import { conntrackLookup, type OriginalDestinationLookup } from '../transparent/original-destination.js';
import type { EngineContext } from './engine-context.js';
import { serveTransparent } from './transparent-way.js';

export interface TransparentListenerOptions {
  port: number;
  /** Where redirected connections were going; default: the conntrack table. */
  originalDestination?: OriginalDestinationLookup;
  /** Name resolution for the Host/SNI check; default: the engine's resolver (see `lookup` below). */
  resolve?: (host: string) => Promise<string[]>;
}

/** The listener the firewall redirects a network's web traffic to (`veil serve --transparent PORT`). */
export interface TransparentListener {
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  readonly address: { host: string; port: number } | null;
}

/** A transparent listener on `host` (the forward listener's address) serving into the engine's pipeline. */
export function createTransparentListener(
  ctx: EngineContext,
  host: string,
  o: TransparentListenerOptions,
  maxPeekBytes: number,
  /** The direct route's resolver (Veil's private DNS when configured), for the Host/SNI check. */
  lookup: LookupFunction = systemLookup,
): TransparentListener {
  const sockets = new Set<Socket>();
  const resolve = o.resolve ?? ((name: string) => lookupAll(lookup, name));
  const options = { originalDestination: o.originalDestination ?? conntrackLookup(), resolve, maxPeekBytes };
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    void serveTransparent(ctx, socket, options);
  });
  let bound: { host: string; port: number } | null = null;
  return {
    async listen() {
      server.listen({ port: o.port, host, backlog: 4096 });
      try {
        await once(server, 'listening');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new Error(`Transparent port ${o.port} on ${host} is already in use.`);
        throw err;
      }
      const addr = server.address() as AddressInfo;
      bound = { host: addr.address, port: addr.port };
      return bound;
    },
    async close() {
      if (!server.listening) return;
      const closed = new Promise<void>((r) => server.close(() => r()));
      // connections still being peeked have no exchange to finish; served ones are the engine's to drain
      for (const s of sockets) if (s.listenerCount('data') === 0) s.destroy();
      await closed;
      bound = null;
    },
    get address() {
      return bound;
    },
  };
}

function lookupAll(lookup: LookupFunction, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    lookup(name, { all: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve((addresses as unknown as Array<{ address: string }>).map((a) => a.address));
    });
  });
}
