import type { ReceiptEntry } from '../../../../proxy-core/src/control/contract.js';
import { explainEntry } from '../../lib/receipt-words.js';

interface Line {
  name: string;
  value: string;
  entry?: ReceiptEntry;
}

/** Pairs each original header with what Veil did to it; headers Veil added come last. */
export function annotate(headers: Array<[string, string]>, receipt: ReceiptEntry[]): Line[] {
  const unused = [...receipt];
  const lines: Line[] = headers.map(([name, value]) => {
    const i = unused.findIndex(
      (e) =>
        e.action !== 'added' &&
        e.header.toLowerCase() === name.toLowerCase() &&
        (e.oldValue === undefined || e.oldValue === value),
    );
    const entry = i >= 0 ? unused.splice(i, 1)[0] : undefined;
    return entry ? { name, value, entry } : { name, value };
  });
  for (const e of unused) lines.push({ name: e.header, value: e.newValue ?? e.oldValue ?? '', entry: e });
  return lines;
}

/** A header list as the peer sent it, with Veil's removals struck through and replacements shown old → new. */
export function HeaderReceipt({
  title,
  headers,
  receipt,
}: {
  title: string;
  headers: Array<[string, string]>;
  receipt: ReceiptEntry[];
}) {
  const lines = annotate(headers, receipt);
  return (
    <section className="headers" aria-label={title}>
      <h3>{title}</h3>
      {lines.length === 0 ? (
        <p className="quiet">No headers.</p>
      ) : (
        <dl>
          {lines.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: headers repeat by name; order is their identity
            <div key={i} className={`header-line${l.entry ? ` is-${l.entry.action}` : ''}`}>
              <dt className="mono">{l.entry?.action === 'removed' ? <del>{l.name}</del> : l.name}</dt>
              <dd className="mono">
                <HeaderValue line={l} />
                {l.entry && (
                  <span className="rule" title={`Rule: ${l.entry.rule}`}>
                    {l.entry.action} by {l.entry.rule}
                  </span>
                )}
                {l.entry && explainEntry(l.entry, l.value) && (
                  <span className="rule-why">{explainEntry(l.entry, l.value)}</span>
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function HeaderValue({ line }: { line: Line }) {
  const e = line.entry;
  if (!e) return <span>{line.value}</span>;
  if (e.action === 'removed') return <del>{line.value}</del>;
  if (e.action === 'added') return <ins>{e.newValue}</ins>;
  return (
    <span>
      <del>{e.oldValue ?? line.value}</del> <span aria-hidden="true">→</span>
      <span className="visually-hidden">replaced with</span> <ins>{e.newValue}</ins>
    </span>
  );
}
