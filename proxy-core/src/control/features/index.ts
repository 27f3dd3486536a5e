import type { FeatureFactory } from '../feature.js';
import { blocklistFeature } from './blocklist-feature.js';

/** Every feature the service runs by default, in policy order (content filters and blocklists before privacy). */
export const builtInFeatures: FeatureFactory[] = [blocklistFeature];
