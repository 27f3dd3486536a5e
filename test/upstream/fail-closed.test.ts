import { describe, expect, it } from 'vitest';
import { viaProxy } from '../privacy/harness.js';
import { openTunnel } from '../privacy/raw-client.js';
import { upstreamHarness } from './harness.js';
import { freePort, startRecordingSocks } from './servers.js';

const h = upstreamHarness();
const { cleanups } = h;

describe('an unreachable upstream fails closed', () => {
  it.each(['socks5h', 'http'])(
    '%s upstream down: 502 naming it, for HTTP and CONNECT, and nothing goes direct',
    async (scheme) => {
      const dead = await freePort();
      const name = `${scheme}://127.0.0.1:${dead}`;
      const v = await h.veil({ upstream: { default: `${scheme}://user:secret@127.0.0.1:${dead}` } });
      const recorded = v.nextRecord();
      const res = await viaProxy(v.port, `http://127.0.0.1:${h.origin.port}/should-not-arrive`, {});
      expect(res.status).toBe(502);
      expect(res.body).toContain(`${scheme}://***@127.0.0.1:${dead}`);
      expect(res.body).toContain('does not go direct');
      expect(res.body).not.toContain('secret');
      const record = await recorded;
      expect(record.error).toBe('E_UPSTREAM_PROXY');
      expect(record.route).toBe(name.replace('://', '://***@'));
      const tunnel = await openTunnel(v.port, `127.0.0.1:${h.origin.port}`);
      expect(tunnel.status).toBe(502);
      tunnel.socket.destroy();
      expect(h.origin.seen).toEqual([]);
      const status = await v.service.invoke('status.get');
      expect(status.upstream).toEqual({ name: `${scheme}://***@127.0.0.1:${dead}`, reachable: false });
    },
  );

  it('goes direct only when allowDirectFallback is on', async () => {
    const dead = await freePort();
    const v = await h.veil({ upstream: { default: `socks5://127.0.0.1:${dead}`, allowDirectFallback: true } });
    const recorded = v.nextRecord();
    const tunnel = await openTunnel(v.port, `127.0.0.1:${h.origin.port}`);
    expect(tunnel.status).toBe(200);
    tunnel.socket.destroy();
    expect((await recorded).route).toBe(`socks5://127.0.0.1:${dead} (direct fallback)`);
    // the tunnel found the proxy down: plain requests now go direct too (for a while)
    const res = await viaProxy(v.port, `http://127.0.0.1:${h.origin.port}/fallback`, {});
    expect(res.status).toBe(200);
    expect(h.origin.seen.at(-1)!.url).toBe('/fallback');
  });
});

describe('per-site routes', () => {
  it('routes *.onion through the "Tor" SOCKS server, a bank direct, the rest through the default', async () => {
    const tor = await startRecordingSocks({ 'hidden.onion': h.origin.port });
    cleanups.push(() => tor.stop());
    const dead = await freePort();
    const v = await h.veil({
      upstream: {
        default: `socks5://127.0.0.1:${dead}`,
        rules: [
          { pattern: '*.onion', upstream: `socks5h://127.0.0.1:${tor.port}` },
          { pattern: 'localhost', upstream: 'direct' },
        ],
      },
    });
    const onion = await viaProxy(v.port, `http://hidden.onion:${h.origin.port}/onion`, {});
    expect(onion.status).toBe(200);
    expect((await v.service.invoke('status.get')).upstream.reachable).toBeNull(); // the default was not tried yet
    expect(tor.requests).toEqual([{ atyp: 3, address: 'hidden.onion', port: h.origin.port }]);
    const bank = await viaProxy(v.port, `http://localhost:${h.origin.port}/bank`, {});
    expect(bank.status).toBe(200);
    const other = await viaProxy(v.port, `http://127.0.0.1:${h.origin.port}/other`, {});
    expect(other.status).toBe(502);
    expect(h.origin.seen.map((s) => s.url)).toEqual(['/onion', '/bank']);
    expect(v.records.map((r) => r.route)).toEqual([
      `socks5h://127.0.0.1:${tor.port}`,
      'direct',
      `socks5://127.0.0.1:${dead}`,
    ]);
  });

  it('picks up a changed route live, without restarting the listener', async () => {
    const v = await h.veil({});
    expect((await viaProxy(v.port, `http://127.0.0.1:${h.origin.port}/direct`, {})).status).toBe(200);
    expect((await v.service.invoke('status.get')).upstream).toEqual({ name: 'direct', reachable: null });
    const dead = await freePort();
    const update = await v.service.invoke('settings.update', {
      patch: {
        upstream: { default: `http://127.0.0.1:${dead}`, rules: [], allowDirectFallback: false, localDns: false },
      },
    });
    expect(update.ok).toBe(true);
    expect((await viaProxy(v.port, `http://127.0.0.1:${h.origin.port}/now-down`, {})).status).toBe(502);
    expect(h.origin.seen.map((s) => s.url)).toEqual(['/direct']);
  });
});

describe('upstream.test', () => {
  it('reports a reachable SOCKS server and names an unreachable one', async () => {
    const socks = await startRecordingSocks({ 'probe.veil-test': h.origin.port });
    cleanups.push(() => socks.stop());
    const v = await h.veil({});
    const ok = await v.service.invoke('upstream.test', {
      url: `socks5h://127.0.0.1:${socks.port}`,
      target: `probe.veil-test:${h.origin.port}`,
    });
    expect(ok).toMatchObject({ ok: true, name: `socks5h://127.0.0.1:${socks.port}` });
    const dead = await freePort();
    const down = await v.service.invoke('upstream.test', { url: `http://u:p@127.0.0.1:${dead}` });
    expect(down.ok).toBe(false);
    expect(down.error).toContain(`http://***@127.0.0.1:${dead}`);
    expect(down.error).not.toContain('u:p');
  });
});
