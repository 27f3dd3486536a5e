import type { FeatureFactory } from '../feature.js';
import { privacyFeature } from './privacy-feature.js';
import { routingFeature } from './routing-feature.js';

/** Every feature the service runs by default, in policy order (content filters and blocklists before privacy). */
export const builtInFeatures: FeatureFactory[] = [privacyFeature, routingFeature];
