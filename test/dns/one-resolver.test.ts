import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', '..', 'proxy-core', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.ts$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('one resolver (issue 15)', () => {
  it('nothing in proxy-core but dns/system-lookup.ts imports node:dns or calls dns.lookup', () => {
    const offenders: string[] = [];
    for (const file of files(src)) {
      const rel = relative(src, file);
      if (rel === join('dns', 'system-lookup.ts')) continue;
      const text = readFileSync(file, 'utf8');
      // `import type` is only types: it cannot resolve anything
      if (/^import\s+(?!type\s)[^;]*from\s+'(node:)?dns(\/promises)?'/m.test(text))
        offenders.push(`${rel}: imports dns`);
      if (/require\(\s*'(node:)?dns/.test(text)) offenders.push(`${rel}: requires dns`);
      if (/\bdns(Promises)?\.lookup\s*\(/.test(text)) offenders.push(`${rel}: calls dns.lookup`);
    }
    expect(offenders).toEqual([]);
  });

  it('the check itself finds an import of node:dns', () => {
    const sample = "import { lookup } from 'node:dns';\n";
    expect(/^import\s+(?!type\s)[^;]*from\s+'(node:)?dns(\/promises)?'/m.test(sample)).toBe(true);
  });
});
