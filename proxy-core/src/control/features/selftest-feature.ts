import type { FeatureFactory } from '../feature.js';
import { runSelfTest } from '../self-test/run-self-test.js';
import { resolverOf } from './dns-feature.js';

/** `selftest.run`: the checks of `veil selftest`, with the running resolver's fallback count (Home). */
export const selftestFeature: FeatureFactory = (host) => ({
  name: 'selftest',
  commands: {
    'selftest.run': async () =>
      runSelfTest(host.settings(), { dataDir: host.dataDir, liveDns: resolverOf(host).status() }),
  },
});
