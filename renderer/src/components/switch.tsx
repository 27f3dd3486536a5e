interface SwitchProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** The accessible name, e.g. "Veil". */
  label: string;
  disabled?: boolean;
  size?: 'small' | 'large';
  /** Show the label text beside the switch (otherwise it is only read out). */
  showLabel?: boolean;
}

/** An on/off switch: a button with role="switch", so Space and Enter toggle it. */
export function Switch({ checked, onChange, label, disabled, size = 'small', showLabel }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={showLabel ? undefined : label}
      className={`switch switch-${size}`}
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      {showLabel && <span className="switch-label">{label}</span>}
    </button>
  );
}
