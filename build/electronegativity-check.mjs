// Runs Doyensec's electronegativity over the Electron shell and fails on any HIGH or CRITICAL
// finding:  npm run security:electron
// It runs offline once installed (its Electron-release lookup fails softly); npx fetches it from
// the npm registry the first time. Medium findings are printed for review, not failed on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronVersion = createRequire(import.meta.url)('electron/package.json').version;
const dir = mkdtempSync(join(tmpdir(), 'veil-electronegativity-'));
const csv = join(dir, 'findings.csv');
try {
  execFileSync(
    'npx',
    ['-y', '@doyensec/electronegativity@1.10.3', '-i', join(root, 'electron'), '-r', '-e', electronVersion, '-o', csv],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir },
  );
  const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  const findings = rows.map((line) => {
    const [id, severity, confidence, file, location] = line.split(',').map((s) => s.replace(/^"|"$/g, ''));
    return { id, severity, confidence, file, location };
  });
  for (const f of findings)
    console.log(`${f.severity.padEnd(13)} ${f.confidence.padEnd(10)} ${f.id} ${f.file}:${f.location}`);
  const high = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL');
  if (high.length) {
    console.error(`electronegativity: ${high.length} high finding(s).`);
    process.exit(1);
  }
  console.log(`electronegativity: ${findings.length} finding(s), none high.`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
