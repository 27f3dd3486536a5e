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

const NS = '/usr/sbin/networksetup';
const ns = (...args: string[]): Command => ({ file: NS, args });

/** Enabled network services from `networksetup -listallnetworkservices` (a leading `*` marks a disabled one). */
export function parseServices(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('*'));
}

/** `Key: value` lines into a map. */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

/** The commands that read one service's proxy settings, in the order `parseServiceSnapshot` expects. */
export function macosReadPlan(service: string): Command[] {
  return [
    ns('-getautoproxyurl', service),
    ns('-getwebproxy', service),
    ns('-getsecurewebproxy', service),
    ns('-getproxybypassdomains', service),
  ];
}

/** Turns the four outputs of `macosReadPlan` into snapshot keys `service::field`. */
export function parseServiceSnapshot(service: string, outputs: readonly string[]): ProxySnapshot {
  const [auto, web, secure, bypass] = outputs.map((o) => o ?? '');
  const a = fields(auto!);
  const w = fields(web!);
  const s = fields(secure!);
  const url = a.get('URL') ?? '';
  const domains = bypass!.includes("aren't any") ? '' : bypass!.trim().split('\n').join(' ');
  return {
    [`${service}::auto.url`]: url === '(null)' ? '' : url,
    [`${service}::auto.enabled`]: a.get('Enabled') === 'Yes' ? 'on' : 'off',
    [`${service}::web.enabled`]: w.get('Enabled') === 'Yes' ? 'on' : 'off',
    [`${service}::web.server`]: w.get('Server') ?? '',
    [`${service}::web.port`]: w.get('Port') ?? '0',
    [`${service}::secure.enabled`]: s.get('Enabled') === 'Yes' ? 'on' : 'off',
    [`${service}::secure.server`]: s.get('Server') ?? '',
    [`${service}::secure.port`]: s.get('Port') ?? '0',
    [`${service}::bypass`]: domains,
  };
}

function servicesOf(snapshot: ProxySnapshot): string[] {
  return [...new Set(Object.keys(snapshot).map((k) => k.slice(0, k.lastIndexOf('::'))))];
}

/** The commands that point every enabled network service at Veil. */
export function macosApplyPlan(services: readonly string[], target: ProxyTarget): Command[] {
  return services.flatMap((svc) =>
    target.mode === 'pac'
      ? [
          ns('-setautoproxyurl', svc, target.pacUrl),
          ns('-setautoproxystate', svc, 'on'),
          ns('-setwebproxystate', svc, 'off'),
          ns('-setsecurewebproxystate', svc, 'off'),
        ]
      : [
          ns('-setwebproxy', svc, target.host, String(target.port)),
          ns('-setsecurewebproxy', svc, target.host, String(target.port)),
          ns('-setproxybypassdomains', svc, ...cidrBypassList(target.bypass)),
          ns('-setautoproxystate', svc, 'off'),
        ],
  );
}

/** The commands that put each service's snapshot back; setting a server turns it on, so the state comes after. */
export function macosRestorePlan(previous: ProxySnapshot): Command[] {
  return servicesOf(previous).flatMap((svc) => {
    const v = (f: string) => previous[`${svc}::${f}`] ?? '';
    const plan: Command[] = [];
    if (v('auto.url')) plan.push(ns('-setautoproxyurl', svc, v('auto.url')));
    plan.push(ns('-setautoproxystate', svc, v('auto.enabled') || 'off'));
    if (v('web.server')) plan.push(ns('-setwebproxy', svc, v('web.server'), v('web.port') || '0'));
    plan.push(ns('-setwebproxystate', svc, v('web.enabled') || 'off'));
    if (v('secure.server')) plan.push(ns('-setsecurewebproxy', svc, v('secure.server'), v('secure.port') || '0'));
    plan.push(ns('-setsecurewebproxystate', svc, v('secure.enabled') || 'off'));
    const domains = v('bypass');
    plan.push(ns('-setproxybypassdomains', svc, ...(domains ? domains.split(' ') : ['Empty'])));
    return plan;
  });
}

/** macOS: every enabled network service, through networksetup. */
export function createMacosProxy(runner: CommandRunner = execRunner): SystemProxyPlatform {
  async function services(): Promise<string[]> {
    return parseServices(await runner(ns('-listallnetworkservices')));
  }
  return {
    name: 'macos',
    async read() {
      const snap: ProxySnapshot = {};
      for (const svc of await services()) {
        const outputs: string[] = [];
        for (const c of macosReadPlan(svc)) outputs.push(await runner(c));
        Object.assign(snap, parseServiceSnapshot(svc, outputs));
      }
      return snap;
    },
    apply: async (target) => runPlan(runner, macosApplyPlan(await services(), target)),
    restore: (previous) => runPlan(runner, macosRestorePlan(previous)),
  };
}
