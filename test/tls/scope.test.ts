import { describe, expect, it } from 'vitest';
import { DEFAULT_EXCLUSIONS } from '../../proxy-core/src/tls/default-exclusions.js';
import { InspectionScope, isPrivateAddress } from '../../proxy-core/src/tls/inspection-scope.js';
import { inspectionSettings } from '../../proxy-core/src/tls/inspection-settings.js';
import { RefusalTracker, refusalSign } from '../../proxy-core/src/tls/refusal-tracker.js';

const on = (patch: Partial<ReturnType<typeof inspectionSettings.parse>> = {}) =>
  inspectionSettings.parse({ enabled: true, ...patch });

describe('which tunnels are inspected', () => {
  it('none while inspection is off (the default)', () => {
    expect(inspectionSettings.parse({}).enabled).toBe(false);
    expect(new InspectionScope(inspectionSettings.parse({})).decide('example.test')).toEqual({
      inspect: false,
      reason: 'off',
    });
  });

  it('the default exclusions: pinned apps, updates, sign-in, banks, local names, private addresses', () => {
    const scope = new InspectionScope(on());
    expect(DEFAULT_EXCLUSIONS.length).toBeGreaterThan(30);
    expect(scope.decide('www.paypal.com')).toMatchObject({
      inspect: false,
      reason: 'excluded',
      pattern: '*.paypal.com',
    });
    expect(scope.decide('login.microsoftonline.com')).toMatchObject({ inspect: false, reason: 'excluded' });
    expect(scope.decide('printer.local')).toMatchObject({ inspect: false, reason: 'excluded' });
    expect(scope.decide('192.168.1.1')).toEqual({ inspect: false, reason: 'private-address' });
    expect(scope.decide('[fd00::1]')).toEqual({ inspect: false, reason: 'private-address' });
    expect(scope.decide('127.0.0.1')).toEqual({ inspect: false, reason: 'private-address' });
    expect(scope.decide('news.example')).toEqual({ inspect: true });
    expect(scope.decide('93.184.216.34')).toEqual({ inspect: true });
  });

  it('per-site rules win by specificity, in both directions', () => {
    const scope = new InspectionScope(
      on({
        exclude: ['*.bank.test'],
        sites: [
          { pattern: 'offers.bank.test', inspect: true },
          { pattern: 'tracker.test', inspect: false },
        ],
      }),
    );
    expect(scope.decide('www.bank.test')).toMatchObject({ inspect: false, reason: 'excluded' });
    expect(scope.decide('offers.bank.test')).toEqual({ inspect: true, pattern: 'offers.bank.test' });
    expect(scope.decide('tracker.test')).toMatchObject({ inspect: false, reason: 'excluded', pattern: 'tracker.test' });
  });

  it('hosts whose clients refused the certificate are passed through unless a site rule says inspect', () => {
    const refused = new Set(['pinned.test', 'forced.test']);
    const scope = new InspectionScope(on({ sites: [{ pattern: 'forced.test', inspect: true }] }), (h) =>
      refused.has(h),
    );
    expect(scope.decide('pinned.test')).toEqual({ inspect: false, reason: 'refused-certificate' });
    expect(scope.decide('forced.test')).toMatchObject({ inspect: true });
  });

  it('knows private addresses', () => {
    for (const a of ['10.0.0.1', '172.20.1.1', '192.168.0.10', '100.64.0.1', '::1', 'fe80::1', '::ffff:10.1.1.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '2001:db8::1', 'example.test'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('clients that refuse Veil’s certificate', () => {
  it('are passed through after the threshold, listed for review, and can be forgiven', () => {
    const t = new RefusalTracker(3);
    expect(t.refused('app.test', 'unknown-ca', 1)).toBe(false);
    expect(t.refused('app.test', 'reset-in-handshake', 2)).toBe(false);
    expect(t.isPassedThrough('app.test')).toBe(false);
    expect(t.refused('app.test', 'bad-certificate', 3)).toBe(true);
    expect(t.isPassedThrough('app.test')).toBe(true);
    expect(t.list()).toEqual([{ host: 'app.test', failures: 3, last: 'bad-certificate', since: 3 }]);
    t.forget('app.test');
    expect(t.isPassedThrough('app.test')).toBe(false);
  });

  it('a request that goes through resets the count', () => {
    const t = new RefusalTracker(2);
    t.refused('ok.test', 'closed-without-request');
    t.accepted('ok.test');
    expect(t.refused('ok.test', 'closed-without-request')).toBe(false);
  });

  it('reads the alerts a refusing client sends', () => {
    expect(refusalSign('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')).toBe('unknown-ca');
    expect(refusalSign('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE')).toBe('bad-certificate');
    expect(refusalSign('ECONNRESET')).toBe('reset-in-handshake');
    expect(refusalSign('ERR_SSL_WRONG_VERSION_NUMBER')).toBeNull();
  });
});
