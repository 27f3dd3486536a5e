import { X509Certificate } from 'node:crypto';
import { createCaStore } from '../../tls/ca-store.js';
import { caExpiry } from '../../tls/certificate-authority.js';
import { InspectorHolder, type RunInspection } from '../../tls/create-inspector.js';
import { createTunnelInspector, type Inspector } from '../../tls/inspected-tunnel.js';
import type { InspectionState } from '../contract.js';
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
    // one inspector for the engine's whole life: it reads the holder's current state per tunnel
    const tunnels = createTunnelInspector(() => holder.inspector);
    const state = async (): Promise<InspectionState> => {
      const ca = await createCaStore(host.dataDir)
        .existing()
        .catch(() => null);
      const expiry = ca ? caExpiry(ca.cert) : null;
      return {
        active: holder.inspector !== null,
        caFingerprint: ca ? new X509Certificate(ca.certPem).fingerprint256 : null,
        caExpires: ca ? ca.cert.notAfter.getTime() : null,
        renewSoon: expiry?.renewSoon ?? false,
        refused: holder.refusals.list(),
      };
    };
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
      commands: {
        'inspection.state': () => state(),
        'inspection.forget': async (args) => {
          holder.refusals.forget(args!.host);
          return state();
        },
      },
      attach(proxy) {
        proxy.setTunnelInspector(tunnels);
      },
      dispose() {
        holder.retireOrigins();
      },
    };
    return feature;
  };
}

export const inspectionFeature: FeatureFactory = inspectionFeatureWith();
