import { type ReactElement, useId } from 'react';

interface FieldProps {
  label: string;
  /** The service's or the form's message for this field. */
  error?: string | undefined;
  hint?: string | undefined;
  warning?: string | undefined;
  /** Renders the control with the ids it must carry. */
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactElement;
}

/** A labelled control with its hint, warning and error right beside it. */
export function Field({ label, error, hint, warning, children }: FieldProps) {
  const id = useId();
  const notes = [hint && `${id}-hint`, warning && `${id}-warn`, error && `${id}-err`].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy: notes || undefined, invalid: !!error })}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {warning && (
        <p className="field-warning" id={`${id}-warn`}>
          {warning}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-err`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
