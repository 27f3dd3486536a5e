import { auditFeature } from '../../traffic/audit-feature.js';
import { trafficFeature } from '../../traffic/traffic-feature.js';
import type { FeatureFactory } from '../feature.js';
import { blocklistFeature } from './blocklist-feature.js';

/** Every feature the service runs by default, in policy order (content filters and blocklists before privacy). */
export const builtInFeatures: FeatureFactory[] = [trafficFeature, auditFeature, blocklistFeature];
