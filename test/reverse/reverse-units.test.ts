import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { BackendHealth } from '../../proxy-core/src/reverse/backend-health.js';
import { BackendIdentity, publicUrl } from '../../proxy-core/src/reverse/backend-identity.js';
import { type Balanced, Balancer } from '../../proxy-core/src/reverse/balancer.js';
import { normalizePath, stripPathPrefix, underPrefix } from '../../proxy-core/src/reverse/normalize-path.js';
import { RouteTable } from '../../proxy-core/src/reverse/route-table.js';
import { VisitorAddress } from '../../proxy-core/src/reverse/visitor-address.js';
import { maskAddress } from '../../proxy-core/src/reverse/visitor-mask.js';

describe('reverse settings', () => {
  it('accepts the issue’s example shape exactly and fills the defaults', () => {
    const doc = settingsSchema.parse({
      reverse: {
        listeners: [{ address: '127.0.0.1', port: 8080, tls: { cert: 'c.pem', key: 'k.pem' } }],
        routes: [
          {
            host: '*.example',
            pathPrefix: '/api',
            stripPrefix: false,
            balance: 'round-robin',
            backends: ['http://127.0.0.1:9001', { url: 'http://127.0.0.1:9002', weight: 2 }],
          },
        ],
      },
    });
    expect(doc.reverse.listeners[0]!.tls).toEqual({ cert: 'c.pem', key: 'k.pem', sni: {} });
    expect(doc.reverse.routes[0]!.backends[1]).toEqual({ url: 'http://127.0.0.1:9002', weight: 2 });
    expect(doc.reverse.clientAddress).toBe('anonymous');
    expect(settingsSchema.parse({}).reverse).toMatchObject({ listeners: [], routes: [] });
  });

  it('refuses a route without backends and a backend with a path', () => {
    expect(settingsSchema.safeParse({ reverse: { routes: [{ backends: [] }] } }).success).toBe(false);
    const bad = settingsSchema.safeParse({ reverse: { routes: [{ backends: ['http://127.0.0.1:1/x'] }] } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('http://host:port');
  });
});

describe('path normalisation', () => {
  const cases: Array<[string, string]> = [
    ['/a/b', '/a/b'],
    ['/a/../b', '/b'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%2E%2e/%2e%2E/%2e%2e/etc', '/etc'],
    ['/a/.%2e/b', '/b'],
    ['/a/./b/.', '/a/b/'],
    ['//admin', '/admin'],
    ['/a//b/', '/a/b/'],
    ['/../../x', '/x'],
    ['/a/..', '/'],
    ['/', '/'],
    ['/%41', '/%41'],
  ];
  for (const [input, out] of cases) {
    it(`${input} → ${out}`, () => expect(normalizePath(input).path).toBe(out));
  }
  it('keeps the query as sent', () => {
    expect(normalizePath('/a/../b?x=../y&z=%2f')).toEqual({ path: '/b', query: '?x=../y&z=%2f' });
  });
  for (const bad of ['/a%2fb', '/a%2Fb', '/a%5cb', '/a\\b', '/a%00', 'http://x/', '*']) {
    it(`refuses ${bad}`, () => expect(() => normalizePath(bad)).toThrow());
  }
  it('matches prefixes on whole segments and strips them', () => {
    expect(underPrefix('/api', '/api')).toBe(true);
    expect(underPrefix('/api/x', '/api')).toBe(true);
    expect(underPrefix('/apix', '/api')).toBe(false);
    expect(underPrefix('/api/x', '/api/')).toBe(true);
    expect(stripPathPrefix('/api/x', '/api')).toBe('/x');
    expect(stripPathPrefix('/api', '/api')).toBe('/');
    expect(stripPathPrefix('/api/x', '/api/')).toBe('/x');
  });
});

describe('route table', () => {
  const table = new RouteTable([
    { host: undefined, pathPrefix: '/', stripPrefix: false, value: 'any-root' },
    { host: '*.example', pathPrefix: '/', stripPrefix: false, value: 'wild-root' },
    { host: '*.example', pathPrefix: '/api', stripPrefix: true, value: 'wild-api' },
    { host: 'app.example', pathPrefix: '/api/v2', stripPrefix: false, value: 'app-v2' },
    { host: undefined, pathPrefix: '/static', stripPrefix: false, value: 'any-static' },
  ]);
  it('takes the most specific host, then the longest prefix', () => {
    expect(table.match('app.example', '/api/v2/x')?.route.value).toBe('app-v2');
    expect(table.match('app.example:8080', '/api/v1')?.route.value).toBe('wild-api');
    expect(table.match('APP.example', '/')?.route.value).toBe('wild-root');
    expect(table.match('example', '/')?.route.value).toBe('wild-root');
    expect(table.match('other.test', '/static/a.css')?.route.value).toBe('any-static');
    expect(table.match('other.test', '/x')?.route.value).toBe('any-root');
  });
  it('falls through to a less specific host when the host’s routes miss the path', () => {
    const t = new RouteTable([
      { host: 'a.test', pathPrefix: '/only', stripPrefix: false, value: 'a' },
      { host: undefined, pathPrefix: '/', stripPrefix: false, value: 'any' },
    ]);
    expect(t.match('a.test', '/other')?.route.value).toBe('any');
    expect(
      new RouteTable([{ host: 'a.test', pathPrefix: '/', stripPrefix: false, value: 1 }]).match('b.test', '/'),
    ).toBeNull();
  });
  it('strips the prefix for the backend when the route says so', () => {
    expect(table.match('x.example', '/api/users')?.backendPath).toBe('/users');
    expect(table.match('x.example', '/api')?.backendPath).toBe('/');
  });
});

class B implements Balanced {
  active = 0;
  constructor(
    readonly stickyId: string,
    readonly weight = 1,
  ) {}
}

describe('balancers', () => {
  it('weighted round-robin spreads picks by weight, smoothly', () => {
    const [a, b, c] = [new B('a', 5), new B('b', 1), new B('c', 1)];
    const bal = new Balancer([a, b, c], 'round-robin');
    const seq = Array.from({ length: 7 }, () => bal.pick(() => true)!.stickyId).join('');
    expect(seq).toBe('aabacaa');
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let i = 0; i < 700; i++) counts[bal.pick(() => true)!.stickyId]!++;
    expect(counts).toEqual({ a: 500, b: 100, c: 100 });
  });
  it('skips backends that are not usable and says null when none is', () => {
    const [a, b] = [new B('a'), new B('b')];
    const bal = new Balancer([a, b], 'round-robin');
    expect([1, 2, 3].map(() => bal.pick((x) => x !== a)!.stickyId)).toEqual(['b', 'b', 'b']);
    expect(bal.pick(() => false)).toBeNull();
  });
  it('least-connections takes the fewest in flight per weight', () => {
    const [a, b] = [new B('a'), new B('b', 2)];
    const bal = new Balancer([a, b], 'least-connections');
    a.active = 1;
    b.active = 1;
    expect(bal.pick(() => true)).toBe(b);
    b.active = 3;
    expect(bal.pick(() => true)).toBe(a);
  });
  it('sticky keeps the named backend while usable', () => {
    const [a, b] = [new B('a'), new B('b')];
    const bal = new Balancer([a, b], 'sticky');
    expect([1, 2, 3].map(() => bal.pick(() => true, 'b')!.stickyId)).toEqual(['b', 'b', 'b']);
    expect(bal.pick((x) => x !== b, 'b')).toBe(a);
  });
});

describe('backend health', () => {
  it('passive: out after the threshold, back after the back-off, out twice as long on a repeat', () => {
    let now = 0;
    const h = new BackendHealth({ failThreshold: 3, backoffMs: 1000, passes: 2, fails: 2 }, () => now);
    h.failed();
    h.failed();
    expect(h.available).toBe(true);
    h.failed();
    expect(h.available).toBe(false);
    now = 1000;
    expect(h.available).toBe(true);
    h.failed(); // the probe after the back-off fails: out again, for 2 s
    expect(h.available).toBe(false);
    now = 2999;
    expect(h.available).toBe(false);
    now = 3000;
    h.passed();
    h.failed();
    expect(h.available).toBe(true);
  });
  it('active: out after `fails` failed checks, back after `passes` passed ones', () => {
    const h = new BackendHealth({ failThreshold: 3, backoffMs: 1000, passes: 2, fails: 2 });
    h.checked(false);
    expect(h.available).toBe(true);
    h.checked(false);
    expect(h.state).toBe('failing-checks');
    h.checked(true);
    expect(h.available).toBe(false);
    h.checked(true);
    expect(h.available).toBe(true);
  });
});

describe('visitor address', () => {
  const incoming = (): string[] => [
    'Host',
    'app.example',
    'X-Forwarded-For',
    '6.6.6.6',
    'Forwarded',
    'for=6.6.6.6',
    'X-Real-IP',
    '6.6.6.6',
    'CF-Connecting-IP',
    '6.6.6.6',
    'True-Client-IP',
    '6.6.6.6',
    'Cookie',
    'a=1',
  ];
  it('anonymous: every client-address header from outside goes, nothing about the visitor is added', () => {
    const h = incoming();
    const receipt = new VisitorAddress('anonymous', []).apply(h, '203.0.113.9', 'https');
    expect(h).toEqual(['Host', 'app.example', 'Cookie', 'a=1', 'X-Forwarded-Proto', 'https']);
    expect(receipt.filter((r) => r.action === 'removed')).toHaveLength(5);
    expect(JSON.stringify(h)).not.toContain('203.0.113.9');
  });
  it('pseudonymous: the same keyed hash all day, another one the next day, never the address', () => {
    let now = Date.UTC(2026, 0, 1, 1);
    const v = new VisitorAddress('pseudonymous', [], () => now);
    const h1 = incoming();
    v.apply(h1, '203.0.113.9', 'http');
    const fwd = h1[h1.indexOf('Forwarded') + 1]!;
    expect(fwd).toMatch(/^for=_[0-9a-f]{16};proto=http$/);
    expect(v.pseudonym('203.0.113.9')).toBe(fwd.slice(5, 21));
    expect(v.pseudonym('203.0.113.10')).not.toBe(v.pseudonym('203.0.113.9'));
    now += 23 * 3600_000;
    const tomorrow = v.pseudonym('203.0.113.9');
    expect(tomorrow).not.toBe(fwd.slice(5, 21));
  });
  it('forward: the peer’s address, and a chain only from a trusted proxy', () => {
    const v = new VisitorAddress('forward', ['10.0.0.0/8']);
    const untrusted = incoming();
    v.apply(untrusted, '203.0.113.9', 'http');
    expect(untrusted[untrusted.indexOf('X-Forwarded-For') + 1]).toBe('203.0.113.9');
    const trusted = incoming();
    v.apply(trusted, '::ffff:10.1.2.3', 'http');
    expect(trusted[trusted.indexOf('X-Forwarded-For') + 1]).toBe('6.6.6.6, 10.1.2.3');
  });
  it('masks addresses for records to /24 and /48', () => {
    expect(maskAddress('203.0.113.9')).toBe('203.0.113.0/24');
    expect(maskAddress('::ffff:192.0.2.77')).toBe('192.0.2.0/24');
    expect(maskAddress('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(maskAddress('::1')).toBe('0:0:0::/48');
  });
});

describe('backend identity and public addresses', () => {
  const origins = new Set(['http://127.0.0.1:9001']);
  const pub = { origin: 'https://app.example', prefix: '' };
  it('removes the backend’s identity headers and the operator’s own list', () => {
    const h = [
      'Server',
      'nginx',
      'X-Powered-By',
      'Express',
      'X-AspNet-Version',
      '4',
      'X-Runtime',
      '0.1',
      'Via',
      '1.1 x',
      'X-Backend',
      'b1',
      'Content-Type',
      'text/plain',
    ];
    const receipt = new BackendIdentity(['X-Backend']).apply(h, origins, pub);
    expect(h).toEqual(['Content-Type', 'text/plain']);
    expect(receipt).toHaveLength(6);
  });
  it('rewrites Location, Content-Location and Refresh that point at a backend', () => {
    const h = [
      'Location',
      'http://127.0.0.1:9001/login?next=%2F',
      'Content-Location',
      'http://127.0.0.1:9001/doc',
      'Refresh',
      '3; url=http://127.0.0.1:9001/later',
    ];
    new BackendIdentity([]).apply(h, origins, pub);
    expect(h).toEqual([
      'Location',
      'https://app.example/login?next=%2F',
      'Content-Location',
      'https://app.example/doc',
      'Refresh',
      '3; url=https://app.example/later',
    ]);
  });
  it('leaves other sites alone and puts a stripped prefix back', () => {
    expect(publicUrl('https://elsewhere.test/x', origins, pub)).toBe('https://elsewhere.test/x');
    const withPrefix = { origin: 'https://app.example', prefix: '/photos' };
    expect(publicUrl('http://127.0.0.1:9001/album/1', origins, withPrefix)).toBe('https://app.example/photos/album/1');
    expect(publicUrl('/login', origins, withPrefix)).toBe('/photos/login');
    expect(publicUrl('/photos/login', origins, withPrefix)).toBe('/photos/login');
  });
});
