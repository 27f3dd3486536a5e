import { useEffect } from 'react';
import { StateBox } from '../../components/state-box.js';
import { loadBlocklists, pollBlocklists } from '../../store/blocklist-actions.js';
import { useVeil } from '../../store/store.js';
import { AddListForm } from './add-list-form.js';
import { ListTable } from './list-table.js';
import { TestUrl } from './test-url.js';
import { UserRulesEditor } from './user-rules-editor.js';

const POLL_MS = 2000;

/** Subscriptions, the user's own rules, and a way to ask why a URL is blocked. */
export function BlocklistsScreen() {
  const lists = useVeil((s) => s.lists);
  const error = useVeil((s) => s.listsError);
  useEffect(() => {
    void loadBlocklists();
    // the Blocked column counts live: taken again every few seconds while the screen is open and visible
    const timer = setInterval(() => {
      if (!document.hidden) void pollBlocklists();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  let body: React.ReactNode;
  if (lists === null)
    body = error ? (
      <StateBox kind="error" onRetry={() => void loadBlocklists()}>
        Could not load the blocklists: {error}
      </StateBox>
    ) : (
      <StateBox kind="loading">Loading blocklists…</StateBox>
    );
  else body = <ListTable lists={lists} error={error} />;

  return (
    <div className="screen blocklists">
      <h1>Blocklists</h1>
      <section className="card" aria-labelledby="lists-h">
        <h2 id="lists-h">Lists</h2>
        {body}
        <AddListForm />
      </section>
      <UserRulesEditor />
      <TestUrl />
    </div>
  );
}
