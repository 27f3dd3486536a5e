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

interface PackageJson {
  version: string;
  dependencies: Record<string, string>;
}

const json = (path: string): PackageJson => JSON.parse(readFileSync(join(root, path), 'utf8')) as PackageJson;

describe('what the cache relies on from http-cache-semantics', () => {
  // Veil's cache replaced the library (it parses dates loosely, trusts a decimal Age, reads
  // directive names case-sensitively, stamps hits with the current Date and adds Warning).
  // Nothing of it is used now; a change that brings it back must come with its own guard.
  it('no engine code imports it or reads its private state (rescc, resh, sh)', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'proxy-core', 'src'))) {
      const text = readFileSync(file, 'utf8');
      if (/from\s+'http-cache-semantics'|\.rescc\b|\.resh\b|policy\.sh\b/.test(text)) {
        offenders.push(relative(root, file));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('is no dependency of Veil any more, so nothing can pick it up again by accident', () => {
    const pkg = json('package.json') as PackageJson & { devDependencies: Record<string, string> };
    expect(pkg.dependencies['http-cache-semantics']).toBeUndefined();
    expect(pkg.devDependencies['@types/http-cache-semantics']).toBeUndefined();
  });
});
