import { cidrBypassList } from './bypass-list.js';
import {
  type Command,
  type CommandRunner,
  execRunner,
  type ProxySnapshot,
  type ProxyTarget,
  runPlan,
  type SystemProxyPlatform,
} from './platform.js';

const GROUP = 'Proxy Settings';
/** kioslaverc keys Veil reads or writes; ProxyType last so it switches after the rest is in place. */
export const KDE_KEYS = [
  'Proxy Config Script',
  'httpProxy',
  'httpsProxy',
  'NoProxyFor',
  'ReversedException',
  'ProxyType',
];
/** KIO's proxy types. */
const PROXY_TYPE = { manual: '1', pac: '2' } as const;

/** Tells running KIO workers to re-read kioslaverc (System Settings sends the same signal). */
export const KDE_REPARSE: Command = {
  file: 'dbus-send',
  args: ['--type=signal', '/KIO/Scheduler', 'org.kde.KIO.Scheduler.reparseSlaveConfiguration', 'string:'],
};

function write(version: 5 | 6, key: string, value: string): Command {
  return { file: `kwriteconfig${version}`, args: ['--file', 'kioslaverc', '--group', GROUP, '--key', key, value] };
}

function remove(version: 5 | 6, key: string): Command {
  return { file: `kwriteconfig${version}`, args: ['--file', 'kioslaverc', '--group', GROUP, '--key', key, '--delete'] };
}

/** The commands that read one key each. */
export function kdeReadPlan(version: 5 | 6): Command[] {
  return KDE_KEYS.map((key) => ({
    file: `kreadconfig${version}`,
    args: ['--file', 'kioslaverc', '--group', GROUP, '--key', key],
  }));
}

/** The commands that point KIO (Dolphin, Konqueror, KDE apps; Chromium on Plasma) at Veil. */
export function kdeApplyPlan(version: 5 | 6, target: ProxyTarget): Command[] {
  if (target.mode === 'pac') {
    return [
      write(version, 'Proxy Config Script', target.pacUrl),
      write(version, 'ProxyType', PROXY_TYPE.pac),
      KDE_REPARSE,
    ];
  }
  // KIO spells a manual proxy as "http://host port".
  const proxy = `http://${target.host} ${target.port}`;
  return [
    write(version, 'httpProxy', proxy),
    write(version, 'httpsProxy', proxy),
    write(version, 'NoProxyFor', cidrBypassList(target.bypass).join(',')),
    write(version, 'ReversedException', 'false'),
    write(version, 'ProxyType', PROXY_TYPE.manual),
    KDE_REPARSE,
  ];
}

/** The commands that put a snapshot back; a key that was empty (absent) is deleted again. */
export function kdeRestorePlan(version: 5 | 6, previous: ProxySnapshot): Command[] {
  const plan = KDE_KEYS.filter((k) => previous[k] !== undefined).map((k) =>
    previous[k] === '' ? remove(version, k) : write(version, k, previous[k]!),
  );
  return [...plan, KDE_REPARSE];
}

/** KDE Plasma 5 or 6, through kreadconfig/kwriteconfig and the KIO reparse signal. */
export function createKdeProxy(version: 5 | 6, runner: CommandRunner = execRunner): SystemProxyPlatform {
  return {
    name: 'kde',
    async read() {
      const snap: ProxySnapshot = {};
      const plan = kdeReadPlan(version);
      for (let i = 0; i < plan.length; i++) snap[KDE_KEYS[i]!] = (await runner(plan[i]!)).replace(/\n$/, '');
      return snap;
    },
    apply: (target) => runPlan(runner, kdeApplyPlan(version, target)),
    restore: (previous) => runPlan(runner, kdeRestorePlan(version, previous)),
  };
}
