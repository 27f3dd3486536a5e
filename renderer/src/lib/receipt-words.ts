import type { ReceiptEntry } from '../../../proxy-core/src/control/contract.js';

/** `Chrome/131`, `Firefox/128`, Safari's `Version/18`: what standard's reduction keeps. */
function browserOf(ua: string | undefined): string | null {
  const m = /\b(Edg|OPR|Firefox|Chrome|Version)\/(\d+)/.exec(ua ?? '');
  return m ? `${m[1]}/${m[2]}` : null;
}

/**
 * Why Veil did what a receipt line shows, in a sentence, for the choices that need one. `original` is the
 * value as the client sent it (the receipt itself keeps only its length and hash).
 */
export function explainEntry(e: ReceiptEntry, original?: string): string | null {
  const field = e.rule.slice(e.rule.lastIndexOf('/') + 1);
  if (field === 'user-agent') {
    if (e.action === 'removed') return 'Removed: the site is told no browser at all.';
    if (e.action !== 'replaced') return null;
    const before = browserOf(original ?? (e as { oldValue?: string }).oldValue);
    if (before !== null && before === browserOf(e.newValue)) {
      return 'Reduced: the same browser and version, without the details (build, system version, device) that tell you apart.';
    }
    return 'Uniform: every user of this profile sends this same string, so sites see one crowd.';
  }
  if (field === 'client-hints') {
    return 'Client hints repeat the browser and system in detail; removed so they cannot tell you apart or contradict the User-Agent.';
  }
  return null;
}
