import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caCommand } from '../../proxy-core/src/cli/ca-command.js';
import type { Command } from '../../proxy-core/src/system/platform.js';

const CLI = join(import.meta.dirname, '../../dist/proxy-core/src/cli.js');
const hasCertutil = spawnSync('certutil', ['--help']).error === undefined;
if (!hasCertutil) console.warn('skipping NSS tests: certutil missing (apt-get install libnss3-tools)');

const dirs: string[] = [];
function tempHome(): string {
  const d = mkdtempSync(join(tmpdir(), 'veil-ca-cli-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `veil ca …` with HOME and XDG_CONFIG_HOME inside `home`. */
function veilCa(home: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'ca', ...args], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config') },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function newNssDb(home: string): string {
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  return db;
}

const listing = (db: string): string => execFileSync('certutil', ['-L', '-d', `sql:${db}`], { encoding: 'utf8' });
const copies = (db: string): number =>
  listing(db)
    .split('\n')
    .filter((l) => l.startsWith('Veil local inspection CA ')).length;

describe('veil ca cert', () => {
  it('creates the CA under $XDG_CONFIG_HOME/veil/ca on first use and prints the same PEM after', () => {
    const home = tempHome();
    const first = veilCa(home, 'cert');
    expect(first.code).toBe(0);
    expect(new X509Certificate(first.stdout).ca).toBe(true);
    const keyPath = join(home, 'config', 'veil', 'ca', 'ca-key.pem');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(first.stdout).not.toContain('PRIVATE KEY');
    expect(veilCa(home, 'cert').stdout).toBe(first.stdout);
  });

  it('honours --config: the CA lives next to that settings file', () => {
    const home = tempHome();
    const out = veilCa(home, 'cert', '--config', join(home, 'elsewhere', 'config.json'));
    expect(out.code).toBe(0);
    expect(readFileSync(join(home, 'elsewhere', 'ca', 'ca-cert.pem'), 'utf8')).toBe(out.stdout);
    expect(existsSync(join(home, 'config', 'veil', 'ca'))).toBe(false);
  });

  it('refuses a key others can read, with the fix, exit 2', () => {
    const home = tempHome();
    veilCa(home, 'cert');
    chmodSync(join(home, 'config', 'veil', 'ca', 'ca-key.pem'), 0o644);
    const out = veilCa(home, 'cert');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/readable by other users .*chmod 600/);
    expect(out.stdout).toBe('');
  });

  it('answers bad input with the fix and exit 2', () => {
    const home = tempHome();
    expect(veilCa(home, 'install', '--scope', 'everyone')).toMatchObject({ code: 2 });
    expect(veilCa(home, 'install', '--scope', 'everyone').stderr).toContain('--scope takes user or system');
    expect(veilCa(home, 'frobnicate').stderr).toContain('Commands: cert, install, remove, regenerate');
    expect(veilCa(home).code).toBe(2);
  });

  it('regenerate replaces the CA', () => {
    const home = tempHome();
    const before = veilCa(home, 'cert').stdout;
    const regen = veilCa(home, 'regenerate');
    expect(regen.code).toBe(0);
    expect(regen.stdout).toContain('veil ca install');
    expect(veilCa(home, 'cert').stdout).not.toBe(before);
  });
});

describe.skipIf(!hasCertutil)('veil ca install/remove with NSS (certutil)', () => {
  it('installs as a trusted CA for servers, once, and removes it', () => {
    const home = tempHome();
    const db = newNssDb(home);
    const install = veilCa(home, 'install');
    expect(install.code).toBe(0);
    expect(install.stdout).toContain(`$ certutil -A -d sql:${db} -n 'Veil local inspection CA' -t C,,`);
    expect(listing(db)).toMatch(/Veil local inspection CA\s+C,,/);
    // installing again, or after regenerating, leaves exactly one copy: the current CA
    expect(veilCa(home, 'install').code).toBe(0);
    expect(copies(db)).toBe(1);
    veilCa(home, 'regenerate');
    expect(veilCa(home, 'install').code).toBe(0);
    expect(copies(db)).toBe(1);
    const pem = execFileSync('certutil', ['-L', '-d', `sql:${db}`, '-n', 'Veil local inspection CA', '-a'], {
      encoding: 'utf8',
    });
    expect(new X509Certificate(pem).fingerprint256).toBe(
      new X509Certificate(veilCa(home, 'cert').stdout).fingerprint256,
    );
    const remove = veilCa(home, 'remove');
    expect(remove.code).toBe(0);
    expect(remove.stdout).toContain(`$ certutil -D -d sql:${db} -n 'Veil local inspection CA'`);
    expect(copies(db)).toBe(0);
    expect(veilCa(home, 'remove').stdout).toContain('in none of the trust stores');
  }, 90_000);

  it('finds Firefox profiles too, and --dry-run prints the commands without changing anything', () => {
    const home = tempHome();
    const profile = join(home, '.mozilla', 'firefox', 'abc.default-release');
    mkdirSync(profile, { recursive: true });
    execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
    const dry = veilCa(home, 'install', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Would change NSS database ${profile}`);
    expect(dry.stdout).toContain(`certutil -A -d sql:${profile}`);
    expect(copies(profile)).toBe(0);
    expect(veilCa(home, 'install').code).toBe(0);
    expect(copies(profile)).toBe(1);
  });

  it('says how to get an NSS database when there is none', () => {
    const out = veilCa(tempHome(), 'install');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('No NSS database found');
    expect(out.stderr).toContain('certutil -N');
  });

  it('plans the system store only with --scope system', () => {
    const home = tempHome();
    const dry = veilCa(home, 'install', '--scope', 'system', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/update-ca-(certificates|trust)/);
    expect(dry.stdout).not.toContain('certutil');
  });
});

describe('macOS and Windows plans, run by an injected runner', () => {
  async function plan(platform: NodeJS.Platform, args: string[]): Promise<{ ran: Command[]; out: string }> {
    const home = tempHome();
    const ran: Command[] = [];
    let out = '';
    await caCommand([...args, '--config', join(home, 'config.json')], {
      runner: async (c) => {
        ran.push(c);
        return '';
      },
      platform,
      home,
      out: (t) => {
        out += t;
      },
      err: () => undefined,
    });
    return { ran, out };
  }

  it('macOS: the login keychain for the user, the System keychain with --scope system', async () => {
    const user = await plan('darwin', ['install']);
    expect(user.ran).toHaveLength(1);
    expect(user.ran[0]!.file).toBe('/usr/bin/security');
    expect(user.ran[0]!.args.slice(0, 5)).toEqual(['add-trusted-cert', '-r', 'trustRoot', '-p', 'ssl']);
    expect(user.ran[0]!.args.join(' ')).toMatch(/Library\/Keychains\/login\.keychain-db .*ca-cert\.pem$/);
    const system = await plan('darwin', ['install', '--scope', 'system']);
    expect(system.ran[0]!.args).toContain('/Library/Keychains/System.keychain');
    expect(system.ran[0]!.args).toContain('-d');
    const remove = await plan('darwin', ['remove']);
    expect(remove.ran[0]!.args.slice(0, 3)).toEqual(['delete-certificate', '-c', 'Veil local inspection CA']);
  });

  it('Windows: the current-user Root store by default', async () => {
    const user = await plan('win32', ['install']);
    expect(user.ran[0]!.file).toBe('certutil.exe');
    expect(user.ran[0]!.args.slice(0, 3)).toEqual(['-user', '-addstore', 'Root']);
    const system = await plan('win32', ['remove', '--scope', 'system']);
    expect(system.ran[0]!.args).toEqual(['-delstore', 'Root', 'Veil local inspection CA']);
  });

  it('--dry-run runs nothing', async () => {
    const dry = await plan('darwin', ['install', '--dry-run']);
    expect(dry.ran).toHaveLength(0);
    expect(dry.out).toContain('$ /usr/bin/security add-trusted-cert');
  });
});
