import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Every `import … from '…'` / `export … from '…'` statement of a file, with its specifier. */
function importsOf(file: string): Array<{ statement: string; specifier: string }> {
  const text = readFileSync(file, 'utf8');
  const out: Array<{ statement: string; specifier: string }> = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)';/gms)) {
    out.push({ statement: m[0], specifier: m[1]! });
  }
  return out;
}

const domains = ['proxy', 'privacy', 'blocklist', 'cache', 'traffic', 'system', 'tls', 'dns', 'reverse', 'transparent'];

describe('the house (ARCHITECTURE.md)', () => {
  it('domain folders never import from control/', () => {
    const offenders: string[] = [];
    for (const domain of domains) {
      let files: string[];
      try {
        files = sourceFiles(join(root, 'proxy-core', 'src', domain));
      } catch {
        continue; // a domain folder that does not exist yet has nothing to check
      }
      for (const file of files) {
        for (const { specifier } of importsOf(file)) {
          if (/(^|\/)control\//.test(specifier)) offenders.push(`${relative(root, file)} -> ${specifier}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the renderer imports proxy-core only as types', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'renderer', 'src'))) {
      for (const { statement, specifier } of importsOf(file)) {
        if (specifier.includes('proxy-core/') && !/^(import|export) type\s/.test(statement)) {
          offenders.push(`${relative(root, file)} -> ${specifier}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('every Feature adapter lives in control/features/', () => {
    const outside = sourceFiles(join(root, 'proxy-core', 'src'))
      .filter((f) => !f.includes(join('control', 'features')))
      .filter((f) => /export const \w+: FeatureFactory\b/.test(readFileSync(f, 'utf8')));
    expect(outside.map((f) => relative(root, f))).toEqual([]);
  });
});
