import { InspectorHolder, type RunInspection } from '../../tls/create-inspector.js';
import type { Inspector } from '../../tls/inspected-tunnel.js';
import type { Feature, FeatureFactory } from '../feature.js';

/** The inspection feature as the service and the engine see it. */
export interface InspectionFeature extends Feature {
  /** The inspector tunnels go through, or null while inspection is off (or could not start). */
  inspector(): Inspector | null;
}

/** HTTPS inspection (opt-in): keeps Veil's CA, the leaf cache and the exclusion rules in step with the settings. */
export function inspectionFeatureWith(run: RunInspection = {}): FeatureFactory {
  return (host) => {
    const holder = new InspectorHolder(host.dataDir, run);
    const feature: InspectionFeature = {
      name: 'inspection',
      async applySettings(settings) {
        try {
          await holder.apply(settings.inspection);
        } catch (err) {
          // tunnels stay blind rather than fail: the user is told why inspection is not running
          host.notify({
            level: 'error',
            code: 'E_INSPECTION',
            message: `HTTPS inspection is not running: ${(err as Error).message}`,
            action: 'Fix the file named, or turn inspection off in Settings.',
          });
        }
      },
      inspector: () => holder.inspector,
    };
    return feature;
  };
}

export const inspectionFeature: FeatureFactory = inspectionFeatureWith();
