import type { FeatureFactory } from '../feature.js';
import { auditFeature } from './audit-feature.js';
import { blocklistFeature } from './blocklist-feature.js';
import { cacheFeature } from './cache-feature.js';
import { dnsFeature } from './dns-feature.js';
import { inspectionFeature } from './inspection-feature.js';
import { privacyFeature } from './privacy-feature.js';
import { reverseFeature } from './reverse-feature.js';
import { routingFeature } from './routing-feature.js';
import { selftestFeature } from './selftest-feature.js';
import { systemFeature } from './system-feature.js';
import { trafficFeature } from './traffic-feature.js';

/** Every feature the service runs by default, in policy order (content filters and blocklists before privacy). */
export const builtInFeatures: FeatureFactory[] = [
  trafficFeature,
  auditFeature,
  dnsFeature,
  blocklistFeature,
  privacyFeature,
  routingFeature,
  cacheFeature,
  systemFeature,
  reverseFeature,
  inspectionFeature,
  selftestFeature,
];
