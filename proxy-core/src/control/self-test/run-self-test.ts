import type { DnsStatus } from '../../dns/dns-settings.js';
import type { Settings } from '../settings-schema.js';
import { sendCanary } from './canary-exchange.js';
import { activeProfile, headerChecks } from './header-checks.js';
import { type CheckResult, makeReport, type SelfTestReport } from './self-test-report.js';
import { auditCheck, dnsCheck, environmentCheck, httpsCheck, routeCheck, systemProxyCheck } from './setup-checks.js';

export interface SelfTestOptions {
  /** Veil's data directory (the system proxy journal). */
  dataDir: string;
  /** The running resolver's counters, when a Veil is running (the UI); null from the CLI. */
  liveDns?: DnsStatus | null;
  env?: NodeJS.ProcessEnv;
}

// every network step gets this much; the whole run stays under 5 s on loopback
const STEP_MS = 1500;

/** Runs every check with these settings: the canary through a fresh in-process pipeline, then the setup. */
export async function runSelfTest(settings: Settings, options: SelfTestOptions): Promise<SelfTestReport> {
  const started = Date.now();
  const results: CheckResult[] = [];
  const profile = activeProfile(settings);
  const [canary, dns, system] = await Promise.all([
    sendCanary(settings, STEP_MS).catch((err: Error) => err),
    dnsCheck(settings, options.liveDns ?? null, STEP_MS),
    systemProxyCheck(settings, options.dataDir, STEP_MS),
  ]);
  if (canary instanceof Error || !profile || canary.status !== 200) {
    const why = !profile
      ? `the profile "${settings.privacy.profile}" does not exist: choose one in Privacy`
      : canary instanceof Error
        ? canary.message
        : `Veil answered the canary with ${canary.status}`;
    for (const id of [
      'forwarding-headers',
      'proxy-headers',
      'client-address',
      'user-agent',
      'referer',
      'client-hints',
      'cookies',
    ] as const) {
      results.push({ id, status: 'fail', message: `Not checked: ${why}.` });
    }
    results.push(auditCheck(settings, null, []));
  } else {
    results.push(...headerChecks(canary.received, settings, profile, '127.0.0.1'));
    results.push(auditCheck(settings, canary.record, canary.received));
  }
  results.push(httpsCheck(settings), routeCheck(settings), dns, system, environmentCheck(settings, options.env));
  return makeReport(started, settings.privacy.profile, results);
}
