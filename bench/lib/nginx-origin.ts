import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Service, startService } from './processes.js';

/**
 * Debian's nginx serving the bench's files (`/small`: 13 bytes, `/big`: BIG_MB megabytes, sent
 * with sendfile) on each of `ports`, one worker: an origin that is not the bottleneck, where a
 * Node origin's own p99 at c=500 is about a second on two shared cores.
 */
export async function startNginxOrigin(dir: string, ports: number[], bigMb: number): Promise<Service> {
  const root = join(dir, 'nginx-origin');
  const www = join(root, 'www');
  mkdirSync(join(root, 'tmp'), { recursive: true });
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'small'), 'hello, world\n');
  const fd = openSync(join(www, 'big'), 'w');
  ftruncateSync(fd, bigMb * 1024 * 1024);
  closeSync(fd);
  const tmp = join(root, 'tmp');
  const conf = join(root, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      'worker_rlimit_nofile 65536;',
      `pid ${join(root, 'nginx.pid')};`,
      `error_log ${join(root, 'error.log')} crit;`,
      'events { worker_connections 8192; multi_accept on; }',
      'http {',
      '  access_log off;',
      '  sendfile on;',
      '  tcp_nopush on;',
      '  tcp_nodelay on;',
      '  keepalive_requests 10000000;',
      '  keepalive_timeout 120s;',
      '  default_type application/octet-stream;',
      `  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fcgi;`,
      `  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;`,
      '  server {',
      ...ports.map((p) => `    listen 127.0.0.1:${p} backlog=4096;`),
      `    root ${www};`,
      '    location = /small { default_type text/plain; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return startService('nginx-origin', 'nginx', ['-p', root, '-c', conf], ports[0]!);
}
