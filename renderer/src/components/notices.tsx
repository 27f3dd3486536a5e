import { useShallow } from 'zustand/react/shallow';
import { dismissNotice } from '../store/proxy-actions.js';
import { useVeil } from '../store/store.js';

/** What needs the user's attention, each with what to do about it. */
export function Notices() {
  const notices = useVeil(useShallow((s) => s.status?.notices ?? []));
  if (!notices.length) return <p className="quiet">Nothing needs your attention.</p>;
  return (
    <ul className="notices" aria-label="Notices">
      {notices.map((n) => (
        <li key={n.id} className={`notice notice-${n.level}`}>
          <div>
            <p className="notice-message">{n.message}</p>
            {n.action && <p className="notice-action">{n.action}</p>}
          </div>
          <button type="button" className="link" onClick={() => void dismissNotice(n.id)}>
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
