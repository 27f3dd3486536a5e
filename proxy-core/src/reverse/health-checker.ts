import type { Backend } from './backend.js';

export interface ActiveCheck {
  path: string;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Polls `path` on each backend of a route (over the same dial as requests, so an HTTPS backend
 * is verified the same way) and reports each result to the backend's health: a 2xx or 3xx
 * status line within the timeout passes, anything else fails.
 */
export class HealthChecker {
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly backends: readonly Backend[],
    private readonly check: ActiveCheck,
  ) {}

  start(): void {
    for (const b of this.backends) {
      const timer = setInterval(() => void this.probe(b), this.check.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  /** One check of one backend; resolves with the result it reported. */
  async probe(b: Backend): Promise<boolean> {
    const ok = await probeOnce(b, this.check.path, this.check.timeoutMs);
    if (!this.stopped) b.health.checked(ok);
    return ok;
  }
}

async function probeOnce(b: Backend, path: string, timeoutMs: number): Promise<boolean> {
  let socket: Awaited<ReturnType<Backend['dial']>>['socket'] | undefined;
  try {
    ({ socket } = await b.dial(b.host, b.port, timeoutMs));
    const s = socket;
    const host = b.host.includes(':') ? `[${b.host}]` : b.host;
    s.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}:${b.port}\r\nUser-Agent: Veil health check\r\nConnection: close\r\n\r\n`,
    );
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      s.on('data', (chunk: Buffer) => {
        buf += chunk.toString('latin1');
        const end = buf.indexOf('\r\n');
        if (end >= 0) {
          clearTimeout(timer);
          resolve(buf.slice(0, end));
        }
      });
      s.once('error', reject);
      s.once('end', () => reject(new Error('closed')));
    });
    return /^HTTP\/1\.[01] [23]\d\d/.test(line);
  } catch {
    return false;
  } finally {
    socket?.destroy();
  }
}
