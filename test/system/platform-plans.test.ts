import { describe, expect, it } from 'vitest';
import { createKdeProxy, KDE_REPARSE } from '../../proxy-core/src/system/kde-proxy.js';
import { createMacosProxy } from '../../proxy-core/src/system/macos-proxy.js';
import type { Command, ProxyTarget } from '../../proxy-core/src/system/platform.js';
import { createWindowsProxy, INTERNET_SETTINGS, WININET_REFRESH } from '../../proxy-core/src/system/windows-proxy.js';

/** Records every command; answers reads from `outputs` (keyed by the joined command line). */
function recorder(outputs: Record<string, string>) {
  const log: Command[] = [];
  const runner = async (c: Command): Promise<string> => {
    log.push(c);
    const key = [c.file, ...c.args].join(' ');
    return outputs[key] ?? '';
  };
  const lines = () => log.map((c) => [c.file, ...c.args].join(' '));
  return { runner, log, lines, reset: () => log.splice(0) };
}

const pac: ProxyTarget = {
  mode: 'pac',
  pacUrl: 'http://127.0.0.1:41000/tok/proxy.pac',
  host: '',
  port: 0,
  bypass: [],
};
const manual: ProxyTarget = { mode: 'manual', pacUrl: '', host: '127.0.0.1', port: 8899, bypass: ['bank.example'] };

describe('KDE plans', () => {
  const outputs = {
    'kreadconfig6 --file kioslaverc --group Proxy Settings --key Proxy Config Script': '\n',
    'kreadconfig6 --file kioslaverc --group Proxy Settings --key httpProxy': 'http://corp.example 3128\n',
    'kreadconfig6 --file kioslaverc --group Proxy Settings --key httpsProxy': 'http://corp.example 3128\n',
    'kreadconfig6 --file kioslaverc --group Proxy Settings --key NoProxyFor': 'localhost\n',
    'kreadconfig6 --file kioslaverc --group Proxy Settings --key ReversedException': '\n',
    'kreadconfig6 --file kioslaverc --group Proxy Settings --key ProxyType': '1\n',
  };

  it('saves every key, applies PAC with the reparse signal, and restores (deleting keys that were absent)', async () => {
    const r = recorder(outputs);
    const kde = createKdeProxy(6, r.runner);
    const saved = await kde.read();
    expect(saved).toEqual({
      'Proxy Config Script': '',
      httpProxy: 'http://corp.example 3128',
      httpsProxy: 'http://corp.example 3128',
      NoProxyFor: 'localhost',
      ReversedException: '',
      ProxyType: '1',
    });
    r.reset();
    await kde.apply(pac);
    expect(r.lines()).toEqual([
      `kwriteconfig6 --file kioslaverc --group Proxy Settings --key Proxy Config Script ${pac.pacUrl}`,
      'kwriteconfig6 --file kioslaverc --group Proxy Settings --key ProxyType 2',
      'dbus-send --type=signal /KIO/Scheduler org.kde.KIO.Scheduler.reparseSlaveConfiguration string:',
    ]);
    r.reset();
    await kde.restore(saved);
    expect(r.lines()).toEqual(
      [
        'kwriteconfig6 --file kioslaverc --group Proxy Settings --key Proxy Config Script --delete',
        'kwriteconfig6 --file kioslaverc --group Proxy Settings --key httpProxy http://corp.example 3128',
        'kwriteconfig6 --file kioslaverc --group Proxy Settings --key httpsProxy http://corp.example 3128',
        'kwriteconfig6 --file kioslaverc --group Proxy Settings --key NoProxyFor localhost',
        'kwriteconfig6 --file kioslaverc --group Proxy Settings --key ReversedException --delete',
        'kwriteconfig6 --file kioslaverc --group Proxy Settings --key ProxyType 1',
      ].concat([[KDE_REPARSE.file, ...KDE_REPARSE.args].join(' ')]),
    );
  });

  it('applies a manual proxy in KIO spelling with the bypass list, ProxyType last', async () => {
    const r = recorder({});
    await createKdeProxy(5, r.runner).apply(manual);
    const lines = r.lines();
    expect(lines[0]).toBe(
      'kwriteconfig5 --file kioslaverc --group Proxy Settings --key httpProxy http://127.0.0.1 8899',
    );
    expect(lines[2]).toContain('--key NoProxyFor localhost,*.localhost,*.local,127.0.0.0/8');
    expect(lines[2]).toContain(',bank.example');
    expect(lines.at(-2)).toBe('kwriteconfig5 --file kioslaverc --group Proxy Settings --key ProxyType 1');
    expect(r.log.at(-1)).toEqual(KDE_REPARSE);
  });
});

describe('macOS plans', () => {
  const NS = '/usr/sbin/networksetup';
  const outputs = {
    [`${NS} -listallnetworkservices`]:
      'An asterisk (*) denotes that a network service is disabled.\nWi-Fi\n*Bluetooth PAN\nUSB 10/100 LAN\n',
    [`${NS} -getautoproxyurl Wi-Fi`]: 'URL: (null)\nEnabled: No\n',
    [`${NS} -getwebproxy Wi-Fi`]: 'Enabled: Yes\nServer: corp.example\nPort: 3128\nAuthenticated Proxy Enabled: 0\n',
    [`${NS} -getsecurewebproxy Wi-Fi`]: 'Enabled: No\nServer: \nPort: 0\nAuthenticated Proxy Enabled: 0\n',
    [`${NS} -getproxybypassdomains Wi-Fi`]: '*.local\n169.254/16\n',
    [`${NS} -getautoproxyurl USB 10/100 LAN`]: 'URL: http://wpad.corp/proxy.pac\nEnabled: Yes\n',
    [`${NS} -getwebproxy USB 10/100 LAN`]: 'Enabled: No\nServer: \nPort: 0\nAuthenticated Proxy Enabled: 0\n',
    [`${NS} -getsecurewebproxy USB 10/100 LAN`]: 'Enabled: No\nServer: \nPort: 0\nAuthenticated Proxy Enabled: 0\n',
    [`${NS} -getproxybypassdomains USB 10/100 LAN`]: "There aren't any bypass domains set on USB 10/100 LAN.\n",
  };

  it('saves every enabled service (skipping disabled ones), applies PAC to each, and restores each exactly', async () => {
    const r = recorder(outputs);
    const mac = createMacosProxy(r.runner);
    const saved = await mac.read();
    expect(Object.keys(saved).some((k) => k.startsWith('Bluetooth'))).toBe(false);
    expect(saved['Wi-Fi::web.server']).toBe('corp.example');
    expect(saved['Wi-Fi::bypass']).toBe('*.local 169.254/16');
    expect(saved['USB 10/100 LAN::auto.url']).toBe('http://wpad.corp/proxy.pac');
    r.reset();
    await mac.apply(pac);
    expect(r.lines()).toEqual([
      `${NS} -listallnetworkservices`,
      `${NS} -setautoproxyurl Wi-Fi ${pac.pacUrl}`,
      `${NS} -setautoproxystate Wi-Fi on`,
      `${NS} -setwebproxystate Wi-Fi off`,
      `${NS} -setsecurewebproxystate Wi-Fi off`,
      `${NS} -setautoproxyurl USB 10/100 LAN ${pac.pacUrl}`,
      `${NS} -setautoproxystate USB 10/100 LAN on`,
      `${NS} -setwebproxystate USB 10/100 LAN off`,
      `${NS} -setsecurewebproxystate USB 10/100 LAN off`,
    ]);
    r.reset();
    await mac.restore(saved);
    expect(r.lines()).toEqual([
      `${NS} -setautoproxystate Wi-Fi off`,
      `${NS} -setwebproxy Wi-Fi corp.example 3128`,
      `${NS} -setwebproxystate Wi-Fi on`,
      `${NS} -setsecurewebproxystate Wi-Fi off`,
      `${NS} -setproxybypassdomains Wi-Fi *.local 169.254/16`,
      `${NS} -setautoproxyurl USB 10/100 LAN http://wpad.corp/proxy.pac`,
      `${NS} -setautoproxystate USB 10/100 LAN on`,
      `${NS} -setwebproxystate USB 10/100 LAN off`,
      `${NS} -setsecurewebproxystate USB 10/100 LAN off`,
      `${NS} -setproxybypassdomains USB 10/100 LAN Empty`,
    ]);
  });

  it('applies a manual proxy for http and https with the bypass list', async () => {
    const r = recorder(outputs);
    await createMacosProxy(r.runner).apply(manual);
    const wifi = r.log.filter((c) => c.args[1] === 'Wi-Fi');
    expect(wifi[0]!.args).toEqual(['-setwebproxy', 'Wi-Fi', '127.0.0.1', '8899']);
    expect(wifi[1]!.args).toEqual(['-setsecurewebproxy', 'Wi-Fi', '127.0.0.1', '8899']);
    expect(wifi[2]!.args).toContain('192.168.0.0/16');
    expect(wifi[2]!.args.at(-1)).toBe('bank.example');
    expect(wifi[3]!.args).toEqual(['-setautoproxystate', 'Wi-Fi', 'off']);
  });
});

describe('Windows plans', () => {
  const query = [
    '',
    `${INTERNET_SETTINGS}`,
    '    IE5_UA_Backup_Flag    REG_SZ    5.0',
    '    ProxyEnable    REG_DWORD    0x1',
    '    ProxyServer    REG_SZ    corp.example:3128',
    '',
  ].join('\r\n');
  const reg = (...a: string[]) => ['reg.exe', ...a].join(' ');
  const refresh = [WININET_REFRESH.file, ...WININET_REFRESH.args].join(' ');

  it('saves the four values (absent ones marked), applies PAC with the WinINet refresh, and restores', async () => {
    const r = recorder({ [`reg.exe query ${INTERNET_SETTINGS}`]: query });
    const win = createWindowsProxy(r.runner);
    const saved = await win.read();
    expect(saved).toEqual({
      AutoConfigURL: '(absent)',
      ProxyEnable: 'REG_DWORD:1',
      ProxyServer: 'REG_SZ:corp.example:3128',
      ProxyOverride: '(absent)',
    });
    r.reset();
    await win.apply(pac);
    expect(r.lines()).toEqual([
      reg('add', INTERNET_SETTINGS, '/v', 'AutoConfigURL', '/t', 'REG_SZ', '/d', pac.pacUrl, '/f'),
      reg('add', INTERNET_SETTINGS, '/v', 'ProxyEnable', '/t', 'REG_DWORD', '/d', '0', '/f'),
      refresh,
    ]);
    r.reset();
    await win.restore(saved);
    expect(r.lines()).toEqual([
      reg('delete', INTERNET_SETTINGS, '/v', 'AutoConfigURL', '/f'),
      reg('add', INTERNET_SETTINGS, '/v', 'ProxyEnable', '/t', 'REG_DWORD', '/d', '1', '/f'),
      reg('add', INTERNET_SETTINGS, '/v', 'ProxyServer', '/t', 'REG_SZ', '/d', 'corp.example:3128', '/f'),
      reg('delete', INTERNET_SETTINGS, '/v', 'ProxyOverride', '/f'),
      refresh,
    ]);
  });

  it('applies a manual proxy with a WinINet bypass list and tolerates deleting an absent value', async () => {
    const r = recorder({});
    const runner = async (c: Command) => {
      if (c.args[0] === 'delete')
        throw new Error('ERROR: The system was unable to find the specified registry key or value.');
      return r.runner(c);
    };
    await createWindowsProxy(runner).apply(manual);
    const lines = r.lines();
    expect(lines[0]).toBe(
      reg('add', INTERNET_SETTINGS, '/v', 'ProxyServer', '/t', 'REG_SZ', '/d', '127.0.0.1:8899', '/f'),
    );
    expect(lines[1]).toMatch(
      /ProxyOverride \/t REG_SZ \/d <local>;localhost;.*10\.\*;.*172\.31\.\*;.*bank\.example \/f$/,
    );
    expect(lines[2]).toBe(reg('add', INTERNET_SETTINGS, '/v', 'ProxyEnable', '/t', 'REG_DWORD', '/d', '1', '/f'));
    expect(lines.at(-1)).toBe(refresh);
  });
});
