import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createPacResolver } from 'pac-resolver';
import { QuickJS } from 'quickjs-wasi';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPac, DIRECT_PAC } from '../../proxy-core/src/system/pac-file.js';

let qjs: QuickJS;
beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = await readFile(require.resolve('quickjs-wasi/quickjs.wasm'));
  qjs = await QuickJS.create({ wasm });
});

function resolver(script: string) {
  return createPacResolver(qjs, script);
}

const base = { host: '127.0.0.1', port: 8899, bypass: ['intranet.example', '*.corp.test', '203.0.113.0/24'] };

describe('PAC file, evaluated by a PAC engine', () => {
  it('fail-closed sends public hosts to Veil only, and keeps local, private and bypassed hosts direct', async () => {
    const find = resolver(buildPac({ ...base, failClosed: true }));
    expect(await find('https://example.com/')).toBe('PROXY 127.0.0.1:8899');
    expect(await find('http://93.184.216.34/')).toBe('PROXY 127.0.0.1:8899');
    for (const url of [
      'http://localhost:3000/',
      'http://app.localhost/',
      'http://printer/',
      'http://nas.local/',
      'http://127.0.0.1:8080/',
      'http://10.1.2.3/',
      'http://172.20.0.5/',
      'http://192.168.1.1/',
      'http://169.254.10.10/',
      'http://[::1]:8080/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
    ]) {
      expect(await find(url), url).toBe('DIRECT');
    }
  });

  it('bypasses the user entries: a name with its subdomains, a glob and a CIDR', async () => {
    const find = resolver(buildPac({ ...base, failClosed: true }));
    expect(await find('https://intranet.example/')).toBe('DIRECT');
    expect(await find('https://wiki.intranet.example/')).toBe('DIRECT');
    expect(await find('https://notintranet.example/')).toBe('PROXY 127.0.0.1:8899');
    expect(await find('https://build.corp.test/')).toBe('DIRECT');
    expect(await find('http://203.0.113.77/')).toBe('DIRECT');
    expect(await find('http://203.0.114.77/')).toBe('PROXY 127.0.0.1:8899');
  });

  it('fail-open adds DIRECT after Veil for public hosts', async () => {
    const find = resolver(buildPac({ ...base, failClosed: false }));
    expect(await find('https://example.com/')).toBe('PROXY 127.0.0.1:8899; DIRECT');
    expect(await find('http://192.168.1.1/')).toBe('DIRECT');
  });

  it('treats lookalike public hosts as public (no DNS, no substring matches)', async () => {
    const find = resolver(buildPac({ ...base, failClosed: true }));
    expect(await find('https://localhost.evil.example/')).toBe('PROXY 127.0.0.1:8899');
    expect(await find('http://10.0.0.1.nip.example/')).toBe('PROXY 127.0.0.1:8899');
    expect(await find('http://172.32.0.1/')).toBe('PROXY 127.0.0.1:8899');
  });

  it('escapes user entries so they cannot inject script', async () => {
    const script = buildPac({ ...base, failClosed: true, bypass: ['"];return "DIRECT";//'] });
    const find = resolver(script);
    expect(await find('https://example.com/')).toBe('PROXY 127.0.0.1:8899');
  });

  it('the off PAC sends everything direct', async () => {
    expect(await resolver(DIRECT_PAC)('https://example.com/')).toBe('DIRECT');
  });
});
