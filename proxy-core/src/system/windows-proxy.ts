import { winInetBypassList } from './bypass-list.js';
import {
  type Command,
  type CommandRunner,
  execRunner,
  type ProxySnapshot,
  type ProxyTarget,
  type SystemProxyPlatform,
} from './platform.js';

/** The per-user WinINet settings every Windows browser that follows the system reads. */
export const INTERNET_SETTINGS = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';
/** Values Veil reads or writes. */
export const WINDOWS_VALUES = ['AutoConfigURL', 'ProxyEnable', 'ProxyServer', 'ProxyOverride'] as const;
/** A value that did not exist (restored by deleting it). */
export const ABSENT = '(absent)';

/**
 * Tells WinINet the settings changed (INTERNET_OPTION_SETTINGS_CHANGED = 39, then
 * INTERNET_OPTION_REFRESH = 37), so running programs pick them up without a restart.
 */
export const WININET_REFRESH: Command = {
  file: 'powershell.exe',
  args: [
    '-NoProfile',
    '-NonInteractive',
    '-Command',
    '$s=\'[DllImport("wininet.dll")] public static extern bool InternetSetOption(IntPtr h,int o,IntPtr b,int l);\';' +
      '$t=Add-Type -MemberDefinition $s -Name WinInet -Namespace Veil -PassThru;' +
      '[void]$t::InternetSetOption([IntPtr]::Zero,39,[IntPtr]::Zero,0);' +
      '[void]$t::InternetSetOption([IntPtr]::Zero,37,[IntPtr]::Zero,0)',
  ],
};

export const READ_COMMAND: Command = { file: 'reg.exe', args: ['query', INTERNET_SETTINGS] };

function add(name: string, type: 'REG_SZ' | 'REG_DWORD', data: string): Command {
  return { file: 'reg.exe', args: ['add', INTERNET_SETTINGS, '/v', name, '/t', type, '/d', data, '/f'] };
}

function del(name: string): Command {
  return { file: 'reg.exe', args: ['delete', INTERNET_SETTINGS, '/v', name, '/f'] };
}

/** Parses `reg query` output into `TYPE:data` per value (absent values are marked). */
export function parseRegQuery(text: string): ProxySnapshot {
  const out: ProxySnapshot = {};
  for (const name of WINDOWS_VALUES) out[name] = ABSENT;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s+(\S+)\s+(REG_SZ|REG_DWORD|REG_EXPAND_SZ)\s*(.*)$/.exec(line);
    if (!m || !(WINDOWS_VALUES as readonly string[]).includes(m[1]!)) continue;
    const data = m[2] === 'REG_DWORD' ? String(Number.parseInt(m[3]!, 16)) : m[3]!;
    out[m[1]!] = `${m[2]}:${data}`;
  }
  return out;
}

/** The commands that point WinINet at Veil. */
export function windowsApplyPlan(target: ProxyTarget): Command[] {
  if (target.mode === 'pac') {
    return [add('AutoConfigURL', 'REG_SZ', target.pacUrl), add('ProxyEnable', 'REG_DWORD', '0'), WININET_REFRESH];
  }
  return [
    add('ProxyServer', 'REG_SZ', `${target.host}:${target.port}`),
    add('ProxyOverride', 'REG_SZ', winInetBypassList(target.bypass)),
    add('ProxyEnable', 'REG_DWORD', '1'),
    del('AutoConfigURL'),
    WININET_REFRESH,
  ];
}

/** The commands that put a snapshot back: values that were absent are deleted again. */
export function windowsRestorePlan(previous: ProxySnapshot): Command[] {
  const plan: Command[] = [];
  for (const name of WINDOWS_VALUES) {
    const v = previous[name];
    if (v === undefined) continue;
    if (v === ABSENT) {
      plan.push(del(name));
      continue;
    }
    const i = v.indexOf(':');
    plan.push(add(name, v.slice(0, i) as 'REG_SZ' | 'REG_DWORD', v.slice(i + 1)));
  }
  return [...plan, WININET_REFRESH];
}

/** Windows: the per-user Internet Settings, through reg.exe, then the WinINet refresh. */
export function createWindowsProxy(runner: CommandRunner = execRunner): SystemProxyPlatform {
  async function run(plan: Command[]): Promise<void> {
    for (const c of plan) {
      try {
        await runner(c);
      } catch (err) {
        // Deleting a value that is already gone is the state we want.
        if (c.args[0] !== 'delete') throw err;
      }
    }
  }
  return {
    name: 'windows',
    read: async () => parseRegQuery(await runner(READ_COMMAND)),
    apply: (target) => run(windowsApplyPlan(target)),
    restore: (previous) => run(windowsRestorePlan(previous)),
  };
}
