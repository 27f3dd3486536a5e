import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createPacServer, type PacServer } from '../../proxy-core/src/system/pac-server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let server: PacServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('PAC server', () => {
  it('serves the script at the token path with the PAC type and nosniff, on loopback', async () => {
    server = createPacServer('function FindProxyForURL(){return "DIRECT";}');
    const url = await server.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{20,}\/proxy\.pac$/);
    const a = await get(url);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/x-ns-proxy-autoconfig');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.body).toContain('FindProxyForURL');
  });

  it('answers 404 without the token, with a wrong token, and for a foreign Host', async () => {
    server = createPacServer('function FindProxyForURL(){return "DIRECT";}');
    const url = new URL(await server.listen());
    expect((await get(`${url.origin}/proxy.pac`)).status).toBe(404);
    expect((await get(`${url.origin}/AAAAAAAAAAAAAAAAAAAAAAAA/proxy.pac`)).status).toBe(404);
    const rebound = await get(url.href, { Host: `attacker.example:${url.port}` });
    expect(rebound.status).toBe(404);
    expect(rebound.body).not.toContain('FindProxyForURL');
  });

  it('serves the new script after setScript', async () => {
    server = createPacServer('// one');
    const url = await server.listen();
    server.setScript('// two');
    expect((await get(url)).body).toBe('// two');
  });
});
