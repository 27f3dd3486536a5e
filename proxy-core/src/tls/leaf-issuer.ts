import { createSecureContext, type SecureContext } from 'node:tls';
import { LRUCache } from 'lru-cache';
import type { CertificateAuthority } from './certificate-authority.js';
import { type LeafCredentials, mintLeaf } from './leaf-certificate.js';

/** A leaf ready to serve: its PEM pair and the TLS context built from it once. */
export interface IssuedLeaf extends LeafCredentials {
  context: SecureContext;
}

/** Mints and remembers one leaf per host. */
export interface LeafIssuer {
  /** The leaf for `host` (a `leafName`): cached, or minted once however many callers ask at the same time. */
  issue(host: string): Promise<IssuedLeaf>;
  /** Switches to a new CA; every leaf of the old one is forgotten. */
  rotate(ca: CertificateAuthority): void;
  /** The CA leaves are minted with now. */
  readonly ca: CertificateAuthority;
  /** Hosts remembered (settled or in flight). */
  readonly size: number;
  /** How many leaves were minted since start (for tests and the bench). */
  readonly minted: number;
}

/**
 * A bounded LRU of leaf promises keyed by host. Caching the promise, not the result, is what
 * makes 50 concurrent first CONNECTs to a host mint once; a failed mint is dropped so the next
 * connection tries again.
 */
export function createLeafIssuer(initial: CertificateAuthority, max = 5000): LeafIssuer {
  let ca = initial;
  let minted = 0;
  const cache = new LRUCache<string, Promise<IssuedLeaf>>({ max });
  return {
    get ca() {
      return ca;
    },
    get size() {
      return cache.size;
    },
    get minted() {
      return minted;
    },
    issue(host) {
      const hit = cache.get(host);
      if (hit) return hit;
      const issuing = ca;
      const pending = mintLeaf(issuing, host).then((leaf) => {
        minted++;
        return { ...leaf, context: createSecureContext({ cert: leaf.certPem, key: leaf.keyPem }) };
      });
      cache.set(host, pending);
      pending.catch(() => {
        if (cache.peek(host) === pending) cache.delete(host);
      });
      return pending;
    },
    rotate(next) {
      ca = next;
      cache.clear();
    },
  };
}
