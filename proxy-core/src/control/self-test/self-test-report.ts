/** The self-test's JSON: `veil selftest --json` and the `selftest.run` command. Bump the version on any breaking change. */
export const SELFTEST_VERSION = 1;

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** Every check, in the order it is shown. The ids are stable: scripts match on them. */
export const CHECK_IDS = [
  'forwarding-headers',
  'proxy-headers',
  'client-address',
  'user-agent',
  'referer',
  'client-hints',
  'cookies',
  'https',
  'route',
  'dns',
  'system-proxy',
  'environment',
  'audit-log',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** One line: what was found and, unless it passed, what to do. */
  message: string;
}

export interface SelfTestReport {
  schema: 'veil-selftest';
  version: typeof SELFTEST_VERSION;
  /** False when any check failed (the CLI exits 1). */
  ok: boolean;
  /** ISO time the run started. */
  startedAt: string;
  durationMs: number;
  profile: string;
  counts: Record<CheckStatus, number>;
  checks: CheckResult[];
}

/** The JSON Schema (draft 2020-12) of SelfTestReport, for scripts and the schema snapshot test. */
export const SELFTEST_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://veil.invalid/schema/selftest-1.json',
  title: 'veil selftest report',
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'version', 'ok', 'startedAt', 'durationMs', 'profile', 'counts', 'checks'],
  properties: {
    schema: { const: 'veil-selftest' },
    version: { const: SELFTEST_VERSION },
    ok: { type: 'boolean' },
    startedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer', minimum: 0 },
    profile: { type: 'string' },
    counts: {
      type: 'object',
      additionalProperties: false,
      required: ['pass', 'warn', 'fail'],
      properties: {
        pass: { type: 'integer', minimum: 0 },
        warn: { type: 'integer', minimum: 0 },
        fail: { type: 'integer', minimum: 0 },
      },
    },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'status', 'message'],
        properties: {
          id: { enum: [...CHECK_IDS] },
          status: { enum: ['pass', 'warn', 'fail'] },
          message: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;

/** Puts results in CHECK_IDS order and counts them. */
export function makeReport(startedAt: number, profile: string, results: CheckResult[]): SelfTestReport {
  const order = new Map<string, number>(CHECK_IDS.map((id, i) => [id, i]));
  const checks = [...results].sort((a, b) => (order.get(a.id) ?? 99) - (order.get(b.id) ?? 99));
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status]++;
  return {
    schema: 'veil-selftest',
    version: SELFTEST_VERSION,
    ok: counts.fail === 0,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Math.round(Date.now() - startedAt),
    profile,
    counts,
    checks,
  };
}

/** The report as text: one line per check, then a summary. */
export function formatReport(r: SelfTestReport): string {
  const lines = r.checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.id.padEnd(18)}  ${c.message}`);
  lines.push(
    `${r.counts.pass} passed, ${r.counts.warn} to look at, ${r.counts.fail} failed (profile ${r.profile}, ${r.durationMs} ms)`,
  );
  return `${lines.join('\n')}\n`;
}
