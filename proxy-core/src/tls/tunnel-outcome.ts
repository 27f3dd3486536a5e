import type { CertificateFault } from './certificate-fault.js';

/**
 * What happened to a CONNECT tunnel, as its record says: inspected (TLS terminated by Veil),
 * blind (bytes relayed unread: inspection off, or not TLS Veil can inspect), excluded (a rule
 * or default says never inspect this host), or passed-through (Veil meant to inspect but
 * stepped aside: the origin's certificate failed, the client refused Veil's, or SNI disagreed).
 */
export type TunnelMode = 'inspected' | 'blind' | 'excluded' | 'passed-through';

export interface TunnelOutcome {
  mode: TunnelMode;
  /** Why, in one word: the rule's pattern, `private-address`, `origin-certificate`, `sni-mismatch`, … */
  reason?: string;
  /** The origin certificate's fault, when that is why. */
  fault?: CertificateFault;
  /** What answered the client: the origin's own certificate, or Veil's error page. */
  answer?: 'origin-certificate' | 'error-page';
  /** The protocol spoken inside an inspected tunnel. */
  protocol?: 'h2' | 'http/1.1';
}
