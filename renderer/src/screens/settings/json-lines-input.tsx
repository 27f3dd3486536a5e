import { useEffect, useState } from 'react';

/** One JSON object per line as an array, or the message naming the first line that does not parse. */
export function parseJsonLines(text: string): { ok: true; value: unknown[] } | { ok: false; error: string } {
  const value: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      value.push(JSON.parse(line));
    } catch (err) {
      return { ok: false, error: `Line ${i + 1} is not valid JSON: ${(err as Error).message}` };
    }
  }
  return { ok: true, value };
}

/** A textarea holding a list of objects, one JSON object per line, as the settings file writes them. */
export function JsonLinesInput({
  id,
  value,
  onChange,
  onParseError,
  describedBy,
  invalid,
  placeholder,
}: {
  id: string;
  value: unknown[];
  onChange: (value: unknown[]) => void;
  /** The local parse error, or null when the text parses. */
  onParseError: (message: string | null) => void;
  describedBy: string | undefined;
  invalid: boolean;
  placeholder?: string;
}) {
  const joined = value.map((v) => JSON.stringify(v)).join('\n');
  const [text, setText] = useState(joined);
  // Follow the saved value when it changes from outside, unless the text already means the same.
  useEffect(() => {
    setText((t) => {
      const parsed = parseJsonLines(t);
      return parsed.ok && parsed.value.map((v) => JSON.stringify(v)).join('\n') === joined ? t : joined;
    });
  }, [joined]);
  return (
    <textarea
      id={id}
      rows={Math.max(2, Math.min(8, value.length + 1))}
      className="mono"
      spellCheck={false}
      aria-describedby={describedBy}
      aria-invalid={invalid}
      placeholder={placeholder}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const parsed = parseJsonLines(e.target.value);
        if (parsed.ok) {
          onParseError(null);
          onChange(parsed.value);
        } else {
          onParseError(parsed.error);
        }
      }}
    />
  );
}
