import type { BlocklistInfo, BlocklistProgress, CommandArgs } from '../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../bridge/bridge.js';
import { bridge } from './bridge-ref.js';
import { updateSettings } from './settings-actions.js';
import { useVeil } from './store.js';

function upsert(list: BlocklistInfo): void {
  useVeil.setState((s) => {
    const lists = s.lists ?? [];
    const i = lists.findIndex((l) => l.id === list.id);
    return { lists: i < 0 ? [...lists, list] : lists.map((l) => (l.id === list.id ? list : l)) };
  });
}

/** Loads the lists and the suggested subscriptions. */
export async function loadBlocklists(): Promise<void> {
  try {
    const [lists, suggestions] = await Promise.all([
      bridge().invoke('blocklist.list'),
      bridge()
        .invoke('blocklist.suggestions')
        .catch(() => []),
    ]);
    useVeil.setState({ lists, suggestions, listsError: null });
  } catch (err) {
    useVeil.setState({ listsError: errorMessage(err) });
  }
}

/** Adds a list; rejects with the service's reason so the form keeps what was typed. */
export async function addBlocklist(args: CommandArgs<'blocklist.add'>): Promise<BlocklistInfo> {
  const list = await bridge().invoke('blocklist.add', args);
  upsert(list);
  return list;
}

/** Turns a list on or off. */
export async function setBlocklistEnabled(id: string, enabled: boolean): Promise<void> {
  try {
    upsert(await bridge().invoke('blocklist.setEnabled', { id, enabled }));
  } catch (err) {
    useVeil.setState({ listsError: errorMessage(err) });
  }
}

/** Removes a list. */
export async function removeBlocklist(id: string): Promise<void> {
  try {
    await bridge().invoke('blocklist.remove', { id });
    useVeil.setState((s) => ({ lists: (s.lists ?? []).filter((l) => l.id !== id) }));
  } catch (err) {
    useVeil.setState({ listsError: errorMessage(err) });
  }
}

/** Downloads one list again, or all of them; progress arrives as events. */
export async function refreshBlocklists(id?: string): Promise<void> {
  try {
    const lists = await bridge().invoke('blocklist.refresh', id ? { id } : {});
    useVeil.setState({ lists, listsError: null });
  } catch (err) {
    useVeil.setState({ listsError: errorMessage(err) });
  }
}

/** Records a refresh's progress; finished entries clear after the list reloads. */
export function receiveBlocklistProgress(p: BlocklistProgress): void {
  useVeil.setState((s) => ({ progress: { ...s.progress, [p.id]: p } }));
  if (p.phase === 'done') {
    setTimeout(() => {
      useVeil.setState((s) => {
        const { [p.id]: _done, ...rest } = s.progress;
        return { progress: rest };
      });
    }, 1500);
  }
}

/** Saves the user's own rules; returns line errors without saving when any line is bad. */
export async function saveUserRules(block: string[], allow: string[]) {
  return bridge().invoke('blocklist.setUserRules', { block, allow });
}

/** Asks which rule, if any, decides a URL. */
export async function testBlockUrl(url: string) {
  return bridge().invoke('blocklist.test', { url });
}

/** Checks the user's rules without saving them (the editor marks bad lines as they are typed). */
export async function checkUserRules(block: string[], allow: string[]) {
  return bridge().invoke('blocklist.checkUserRules', { block, allow });
}

/** Takes the lists again without a loading state: the Blocked counts move while the screen is open. */
export async function pollBlocklists(): Promise<void> {
  try {
    useVeil.setState({ lists: await bridge().invoke('blocklist.list') });
  } catch {
    // the next poll tries again; a lost connection has its own banner
  }
}

/** Replaces the text of a typed list (the list's rules are its text, kept in the settings). */
export async function saveTypedList(id: string, text: string): Promise<string | null> {
  const lists = useVeil.getState().settings?.blocklists.lists ?? [];
  const next = lists.map((l) => (l.id === id ? { ...l, source: { type: 'text' as const, text } } : l));
  try {
    const result = await updateSettings({ blocklists: { lists: next } });
    if (!result.ok) return result.errors.map((e) => e.message).join(' ');
    await pollBlocklists();
    return null;
  } catch (err) {
    return errorMessage(err);
  }
}
