import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { SOCKET_HIGH_WATER_MARK } from './proxy-options.js';

/**
 * libuv accepts one connection per listening socket per event-loop turn (libuv #3696), so a burst
 * of clients connecting at once waits in the accept queue for as many turns as there are clients:
 * p99 ≈ 1.3 s at 500 new connections here, the same for Node's own hello-world server. Node 22.12+
 * (Electron 45's runtime) can open several listening sockets on one port (SO_REUSEPORT): the kernel
 * spreads new connections over them and each accepts in the same turn. Measured on a hello-world
 * server at c=500: p99 1.3 s with one listener, 0.4 s with 4, 0.16 s with 16.
 */
export const REUSE_PORT_SUPPORTED = reusePortSupported(process.versions.node);

/** Listeners the engine opens by default: several where the runtime can share a port, else one. */
export const DEFAULT_ACCEPTORS = REUSE_PORT_SUPPORTED ? 8 : 1;

export function reusePortSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/**
 * The extra listening sockets on the engine's port; each hands what it accepts to `take` (the engine's
 * one HTTP server, so every connection gets the same parser, timeouts and accounting).
 */
export class ExtraAcceptors {
  private readonly servers: Server[] = [];

  constructor(
    private readonly count: number,
    private readonly take: (socket: Socket) => void,
  ) {}

  async listen(host: string, port: number): Promise<void> {
    for (let i = 0; i < this.count; i++) {
      const server = createServer({ noDelay: true, highWaterMark: SOCKET_HIGH_WATER_MARK }, this.take);
      server.listen({ port, host, backlog: 4096, reusePort: true } as Parameters<Server['listen']>[0]);
      await once(server, 'listening');
      this.servers.push(server);
    }
  }

  /** Stops accepting; the connections they handed over belong to the engine. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers.length = 0;
  }

  get listening(): number {
    return this.servers.length;
  }
}
