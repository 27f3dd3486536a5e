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

const ROOT = 'org.gnome.system.proxy';
/** Every key Veil reads or writes, as `schema key`; `mode` is last so it switches after the rest is in place. */
export const GNOME_KEYS = [
  `${ROOT} autoconfig-url`,
  `${ROOT} ignore-hosts`,
  `${ROOT}.http host`,
  `${ROOT}.http port`,
  `${ROOT}.https host`,
  `${ROOT}.https port`,
  `${ROOT} mode`,
] as const;

/** A GVariant string literal. */
export function gvString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function gvStringArray(items: readonly string[]): string {
  return items.length ? `[${items.map(gvString).join(', ')}]` : '@as []';
}

function set(key: string, value: string): Command {
  const [schema, name] = key.split(' ') as [string, string];
  return { file: 'gsettings', args: ['set', schema, name, value] };
}

/** The commands that point GNOME at Veil. */
export function gnomeApplyPlan(target: ProxyTarget): Command[] {
  if (target.mode === 'pac') {
    return [set(`${ROOT} autoconfig-url`, gvString(target.pacUrl)), set(`${ROOT} mode`, gvString('auto'))];
  }
  return [
    set(`${ROOT}.http host`, gvString(target.host)),
    set(`${ROOT}.http port`, String(target.port)),
    set(`${ROOT}.https host`, gvString(target.host)),
    set(`${ROOT}.https port`, String(target.port)),
    set(`${ROOT} ignore-hosts`, gvStringArray(cidrBypassList(target.bypass))),
    set(`${ROOT} mode`, gvString('manual')),
  ];
}

/** The commands that put back a snapshot, raw GVariant text as gsettings printed it. */
export function gnomeRestorePlan(previous: ProxySnapshot): Command[] {
  return GNOME_KEYS.filter((k) => previous[k] !== undefined).map((k) => set(k, previous[k]!));
}

/** Parses `gsettings list-recursively org.gnome.system.proxy` into a snapshot of Veil's keys. */
export function parseGnomeListing(text: string): ProxySnapshot {
  const wanted = new Set<string>(GNOME_KEYS);
  const out: ProxySnapshot = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+) (\S+) (.*)$/.exec(line);
    if (!m) continue;
    const key = `${m[1]} ${m[2]}`;
    if (wanted.has(key)) out[key] = m[3]!;
  }
  return out;
}

/** GNOME (and other GSettings desktops: Cinnamon, Budgie, …) through gsettings. */
export function createGnomeProxy(runner: CommandRunner = execRunner): SystemProxyPlatform {
  return {
    name: 'gnome',
    async read() {
      const snap = parseGnomeListing(await runner({ file: 'gsettings', args: ['list-recursively', ROOT] }));
      const missing = GNOME_KEYS.filter((k) => snap[k] === undefined);
      if (missing.length) throw new Error(`gsettings did not report ${missing.join(', ')}; is the schema installed?`);
      return snap;
    },
    apply: (target) => runPlan(runner, gnomeApplyPlan(target)),
    restore: (previous) => runPlan(runner, gnomeRestorePlan(previous)),
  };
}
