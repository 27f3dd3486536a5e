/**
 * `npm run bench [-- NAME... --duration SECONDS]`: runs every scenario in bench/scenarios/
 * (or the named ones), prints their tables and writes the figures to bench/results/.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchScenario, ScenarioReport } from './lib/scenario.js';
import { renderTable } from './lib/table.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { duration: { type: 'string', default: '5' } },
});
const durationSec = Number(values.duration);
if (!Number.isFinite(durationSec) || durationSec < 1) {
  process.stderr.write(`bench: --duration takes whole seconds (e.g. 5), not "${values.duration}".\n`);
  process.exit(2);
}

const scenarioDir = fileURLToPath(new URL('./scenarios/', import.meta.url));
const scenarios: BenchScenario[] = [];
for (const file of readdirSync(scenarioDir).sort()) {
  if (!file.endsWith('.js')) continue;
  const mod = (await import(join(scenarioDir, file))) as { scenario?: BenchScenario };
  if (mod.scenario) scenarios.push(mod.scenario);
}
const chosen = positionals.length ? scenarios.filter((s) => positionals.includes(s.name)) : scenarios;
if (chosen.length === 0) {
  process.stderr.write(
    `bench: no scenario named ${positionals.join(', ')}. Known: ${scenarios.map((s) => s.name).join(', ')}.\n`,
  );
  process.exit(2);
}

const tmpDir = mkdtempSync(join(tmpdir(), 'veil-bench-'));
const startedAt = new Date().toISOString();
const out: Record<string, { description: string; data?: unknown; notes: string[]; error?: string }> = {};
let failed = false;
try {
  for (const s of chosen) {
    process.stderr.write(`bench: ${s.name} — ${s.description}\n`);
    let report: ScenarioReport;
    try {
      report = await s.run({ tmpDir, durationSec, log: (line) => process.stderr.write(`  ${line}\n`) });
    } catch (err) {
      failed = true;
      out[s.name] = { description: s.description, notes: [], error: (err as Error).message };
      process.stdout.write(`\n== ${s.name}: failed: ${(err as Error).message}\n`);
      continue;
    }
    out[s.name] = { description: s.description, data: report.data, notes: report.notes };
    for (const t of report.tables) process.stdout.write(`\n${renderTable(t)}\n`);
    for (const n of report.notes) process.stdout.write(`  note: ${n}\n`);
  }
} finally {
  rmSync(tmpDir, { recursive: true, force: true });
}

const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `bench-${startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      startedAt,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
      durationSec,
      scenarios: out,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`\nbench: figures written to ${file}\n`);
process.exit(failed ? 1 : 0);
