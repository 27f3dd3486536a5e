import { afterAll, afterEach, beforeAll } from 'vitest';
import { type EchoOrigin, type RunningVeil, startEchoOrigin, startVeil } from '../privacy/harness.js';

/**
 * The upstream suites' shared setup: one echo origin per file (its record cleared after each
 * test), Veils started with CONNECT allowed to it, and cleanups run in reverse after each test.
 */
export function upstreamHarness(): {
  readonly origin: EchoOrigin;
  cleanups: Array<() => Promise<void>>;
  veil(settings: Record<string, unknown>): Promise<RunningVeil>;
} {
  let origin: EchoOrigin | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    origin = await startEchoOrigin();
  });
  afterAll(async () => {
    await origin?.close();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    if (origin) origin.seen.length = 0;
  });
  return {
    get origin() {
      if (!origin) throw new Error('the echo origin starts in beforeAll');
      return origin;
    },
    cleanups,
    async veil(settings) {
      const port = this.origin.port;
      const v = await startVeil({
        ...settings,
        proxy: { allowedConnectPorts: [port], ...(settings.proxy as object) },
      });
      cleanups.push(() => v.stop());
      return v;
    },
  };
}
