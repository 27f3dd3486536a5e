import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, have, type Service, startService } from './processes.js';

/** A proxy to compare against: how to find it and start it on a free port. */
export interface Peer {
  name: string;
  binary: string;
  /** Debian package that provides it (for the skip note). */
  pkg: string;
  start(dir: string): Promise<Service>;
}

export const PEERS: Peer[] = [
  {
    name: 'privoxy',
    binary: 'privoxy',
    pkg: 'privoxy',
    async start(dir) {
      const port = await freePort();
      const conf = join(dir, 'privoxy.conf');
      // no action or filter files: Privoxy as a plain forwarding proxy, with keep-alive both ways
      writeFileSync(
        conf,
        [
          `listen-address 127.0.0.1:${port}`,
          `confdir ${dir}`,
          `logdir ${dir}`,
          'max-client-connections 2048',
          'keep-alive-timeout 30',
          'default-server-timeout 30',
          'connection-sharing 1',
          'socket-timeout 60',
          '',
        ].join('\n'),
      );
      return startService('privoxy', 'privoxy', ['--no-daemon', conf], port);
    },
  },
  {
    name: 'tinyproxy',
    binary: 'tinyproxy',
    pkg: 'tinyproxy',
    async start(dir) {
      const port = await freePort();
      const conf = join(dir, 'tinyproxy.conf');
      writeFileSync(
        conf,
        [
          `Port ${port}`,
          'Listen 127.0.0.1',
          'Timeout 60',
          'MaxClients 2048',
          'LogLevel Critical',
          'User nobody',
          'Group nogroup',
          'DisableViaHeader Yes',
          '',
        ].join('\n'),
      );
      return startService('tinyproxy', 'tinyproxy', ['-d', '-c', conf], port);
    },
  },
  {
    name: 'squid',
    binary: 'squid',
    pkg: 'squid',
    async start(dir) {
      const port = await freePort();
      const work = join(dir, 'squid');
      mkdirSync(work, { recursive: true });
      // squid drops to its own user and must write its log and pid file here
      chmodSync(work, 0o777);
      const conf = join(work, 'squid.conf');
      writeFileSync(
        conf,
        [
          `http_port 127.0.0.1:${port}`,
          'acl local src 127.0.0.0/8',
          'http_access allow local',
          'http_access deny all',
          'cache deny all',
          'cache_mem 8 MB',
          'access_log none',
          `cache_log ${join(work, 'cache.log')}`,
          `pid_filename ${join(work, 'squid.pid')}`,
          `coredump_dir ${work}`,
          'max_filedescriptors 65536',
          'via off',
          'forwarded_for transparent',
          'shutdown_lifetime 1 seconds',
          '',
        ].join('\n'),
      );
      return startService('squid', 'squid', ['-N', '-f', conf], port);
    },
  },
];

/** Whether the peer's binary is installed; the bench skips it with a note otherwise. */
export function peerInstalled(peer: Peer): Promise<boolean> {
  return have(peer.binary);
}
