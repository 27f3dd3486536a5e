import type { ReactNode } from 'react';

/** The loading / error / empty placeholder a screen shows in place of its content, at the same size. */
export function StateBox({
  kind,
  children,
  onRetry,
}: {
  kind: 'loading' | 'error' | 'empty';
  children: ReactNode;
  onRetry?: () => void;
}) {
  return (
    <div
      className={`state-box state-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      aria-busy={kind === 'loading'}
    >
      <p>{children}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
