import type { FeatureFactory } from '../feature.js';
import { systemFeature } from './system-feature.js';

/** Every feature the service runs by default, in policy order (content filters and blocklists before privacy). */
export const builtInFeatures: FeatureFactory[] = [systemFeature];
