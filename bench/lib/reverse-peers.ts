import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, have, type Service, startService } from './processes.js';

/** A reverse proxy to compare against, started on a free port in front of `backends` (host:port). */
export interface ReversePeer {
  name: string;
  binary: string;
  /** The Debian package (for the skip note). */
  pkg: string;
  start(dir: string, backends: string[]): Promise<Service>;
}

/** nginx and HAProxy, each with one worker (Veil and the Node peer use one core) and keep-alive to the backends. */
export const REVERSE_PEERS: ReversePeer[] = [
  {
    name: 'nginx',
    binary: '/usr/sbin/nginx',
    pkg: 'nginx-light',
    async start(dir, backends) {
      const port = await freePort();
      const work = join(dir, `nginx-${port}`);
      mkdirSync(work, { recursive: true });
      // the worker runs as nobody and writes its temp files here
      chmodSync(work, 0o777);
      const conf = join(work, 'nginx.conf');
      writeFileSync(
        conf,
        [
          'worker_processes 1;',
          'daemon off;',
          `pid ${work}/nginx.pid;`,
          `error_log ${work}/error.log crit;`,
          'events { worker_connections 8192; }',
          'http {',
          '  access_log off;',
          `  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy;`,
          `  fastcgi_temp_path ${work}/fcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;`,
          `  upstream backends { ${backends.map((b) => `server ${b};`).join(' ')} keepalive 256; }`,
          '  server {',
          `    listen 127.0.0.1:${port} backlog=4096;`,
          '    keepalive_requests 1000000;',
          '    location / {',
          '      proxy_pass http://backends;',
          '      proxy_http_version 1.1;',
          '      proxy_set_header Connection "";',
          '      proxy_set_header Host $host;',
          // stream large answers through memory buffers instead of temp files, as the other proxies do
          '      proxy_max_temp_file_size 0;',
          '    }',
          '  }',
          '}',
          '',
        ].join('\n'),
      );
      return startService('nginx', '/usr/sbin/nginx', ['-c', conf, '-p', work], port);
    },
  },
  {
    name: 'haproxy',
    binary: 'haproxy',
    pkg: 'haproxy',
    async start(dir, backends) {
      const port = await freePort();
      const conf = join(dir, `haproxy-${port}.cfg`);
      writeFileSync(
        conf,
        [
          'global',
          '  maxconn 4096',
          '  nbthread 1',
          'defaults',
          '  mode http',
          '  timeout connect 5s',
          '  timeout client 60s',
          '  timeout server 60s',
          '  option http-keep-alive',
          'frontend public',
          `  bind 127.0.0.1:${port}`,
          '  default_backend pool',
          'backend pool',
          '  balance roundrobin',
          '  http-reuse always',
          ...backends.map((b, i) => `  server b${i} ${b}`),
          '',
        ].join('\n'),
      );
      return startService('haproxy', 'haproxy', ['-db', '-f', conf], port);
    },
  },
];

export async function reversePeerInstalled(peer: ReversePeer): Promise<boolean> {
  return have(peer.binary);
}
