import { createCaStore } from './ca-store.js';
import type { Inspector } from './inspected-tunnel.js';
import { InspectionScope } from './inspection-scope.js';
import type { InspectionSettings } from './inspection-settings.js';
import { createLeafIssuer, type LeafIssuer } from './leaf-issuer.js';
import { OriginTlsPools } from './origin-pool.js';
import { originTrustAnchors, readExtraCa } from './origin-trust.js';
import { RefusalTracker } from './refusal-tracker.js';

/** Patterns and CA files a run adds on top of the settings (`--no-inspect`, `--upstream-ca`). */
export interface RunInspection {
  exclude?: readonly string[];
  extraCa?: readonly string[];
}

/** The origin handshake and the client's, each; a stalled side never holds a tunnel longer. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Keeps the inspector in step with the settings: the CA loaded (created on first need), leaves
 * kept across settings changes unless the CA itself changed, refusals kept for the whole run.
 */
export class InspectorHolder {
  private issuer: LeafIssuer | null = null;
  private origins: OriginTlsPools | null = null;
  private current: Inspector | null = null;
  readonly refusals = new RefusalTracker(3);

  constructor(
    private readonly configDir: string,
    private readonly run: RunInspection = {},
  ) {}

  /** The inspector for tunnels, or null while inspection is off. */
  get inspector(): Inspector | null {
    return this.current;
  }

  /** Rebuilds from the settings; throws (a plain message) when the CA or an extra CA file cannot be used. */
  async apply(settings: InspectionSettings): Promise<Inspector | null> {
    if (!settings.enabled) {
      this.current = null;
      this.retireOrigins();
      return null;
    }
    const ca = await createCaStore(this.configDir).load();
    if (!this.issuer || this.issuer.ca.cert.serialNumber !== ca.cert.serialNumber) {
      if (this.issuer) this.issuer.rotate(ca);
      else this.issuer = createLeafIssuer(ca, settings.leafCacheSize);
    }
    const extra = await readExtraCa([...settings.extraCa, ...(this.run.extraCa ?? [])]);
    const effective = { ...settings, exclude: [...settings.exclude, ...(this.run.exclude ?? [])] };
    this.refusals.setThreshold(settings.pinningThreshold);
    const anchors = originTrustAnchors(extra, ca.certPem);
    if (!this.origins || this.origins.anchors.join('') !== anchors.join('')) {
      this.retireOrigins();
      this.origins = new OriginTlsPools(anchors, HANDSHAKE_TIMEOUT_MS);
    }
    this.current = {
      scope: new InspectionScope(effective, (h) => this.refusals.isPassedThrough(h)),
      issuer: this.issuer,
      origins: this.origins,
      refusals: this.refusals,
      onOriginCertError: settings.onOriginCertError,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    };
    return this.current;
  }

  /** Closes the pooled origin connections (inspection off, or other trust anchors). */
  retireOrigins(): void {
    this.origins?.destroy();
    this.origins = null;
  }
}
