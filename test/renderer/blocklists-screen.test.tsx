// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { parseUserRules } from '../../proxy-core/src/blocklist/user-rules.js';
import type { BlocklistInfo } from '../../proxy-core/src/control/contract.js';
import { FakeBridge, failure } from './fake-bridge.js';
import { makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

const base = {
  'status.get': makeStatus(),
  'settings.get': makeSettings(),
  'traffic.snapshot': { records: [], total: 0 },
};

const easyList: BlocklistInfo = {
  id: 'l1',
  name: 'Peter Lowe’s list',
  enabled: true,
  source: { type: 'url', url: 'https://pgl.yoyo.org/adservers/serverlist.php?hostformat=hosts' },
  format: 'hosts',
  rules: 3512,
  skipped: 2,
  lastUpdate: Date.UTC(2026, 10, 30, 8, 0),
  lastError: 'HTTP 503 on the last refresh; the previous copy is in use.',
  skippedLines: [{ line: 4, text: 'bad', reason: 'not a host' }],
};

const suggestion = {
  name: 'Steven Black hosts',
  url: 'https://raw.githubusercontent.com/StevenBlack/hosts/master/hosts',
  format: 'hosts' as const,
  description: 'Ads and malware',
};

describe('Blocklists', () => {
  it('shows loading while the lists are on their way', async () => {
    await renderApp(new FakeBridge(base), 'Blocklists');
    expect(screen.getByText('Loading blocklists…')).toBeTruthy();
  });

  it('names the failure and recovers on retry', async () => {
    const bridge = new FakeBridge({ ...base, 'blocklist.list': failure('storage unreadable') });
    await renderApp(bridge, 'Blocklists');
    expect(screen.getByRole('alert').textContent).toContain('storage unreadable');
    bridge.answer({ 'blocklist.list': [easyList], 'blocklist.suggestions': [] });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Try again' })));
    expect(screen.getByText('3,512')).toBeTruthy();
  });

  it('offers suggestions when there are no lists, and adds one', async () => {
    const bridge = new FakeBridge({
      ...base,
      'blocklist.list': [],
      'blocklist.suggestions': [suggestion],
      'blocklist.add': (args) => ({ ...easyList, id: 'l2', name: args!.name ?? 'x', source: args!.source }),
    });
    await renderApp(bridge, 'Blocklists');
    expect(screen.getByText(/No lists yet/)).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Suggested lists' });
    await act(async () => fireEvent.click(within(list).getByRole('button', { name: 'Add' })));
    expect(bridge.argsOf('blocklist.add')[0]).toEqual({
      name: suggestion.name,
      source: { type: 'url', url: suggestion.url },
      format: 'hosts',
    });
    expect(screen.getByRole('cell', { name: suggestion.url })).toBeTruthy();
    // Subscribed suggestions are not offered again.
    expect(screen.queryByRole('list', { name: 'Suggested lists' })).toBeNull();
  });

  it('shows each list with its switch, size, last update and last error', async () => {
    const bridge = new FakeBridge({
      ...base,
      'blocklist.list': [easyList],
      'blocklist.suggestions': [],
      'blocklist.setEnabled': (a) => ({ ...easyList, enabled: a!.enabled }),
    });
    await renderApp(bridge, 'Blocklists');
    expect(screen.getByText('3,512')).toBeTruthy();
    expect(screen.getByText(/HTTP 503 on the last refresh/)).toBeTruthy();
    expect(screen.getByText('2 lines skipped')).toBeTruthy();
    const toggle = screen.getByRole('switch', { name: `Use ${easyList.name}` });
    await act(async () => fireEvent.click(toggle));
    expect(bridge.argsOf('blocklist.setEnabled')).toEqual([{ id: 'l1', enabled: false }]);
    expect(toggle.getAttribute('aria-checked')).toBe('false');
  });

  it('opens the skipped lines in place, with each line and why', async () => {
    await renderApp(
      new FakeBridge({ ...base, 'blocklist.list': [easyList], 'blocklist.suggestions': [] }),
      'Blocklists',
    );
    const details = screen.getByText('2 lines skipped').closest('details')!;
    fireEvent.click(screen.getByText('2 lines skipped'));
    expect(details.open).toBe(true);
    expect(within(details).getByRole('listitem').textContent).toBe('Line 4 bad — not a host');
    expect(within(details).getByText('The first 1 of 2 are shown.')).toBeTruthy();
  });

  it('edits a typed list in place and saves it in the settings', async () => {
    const typed: BlocklistInfo = {
      ...easyList,
      id: 't1',
      name: 'Typed ads',
      source: { type: 'text', text: 'ads.example' },
      lastError: null,
      skipped: 0,
      skippedLines: [],
    };
    const settings = makeSettings((s) => {
      s.blocklists.lists = [{ id: 't1', name: 'Typed ads', enabled: true, source: typed.source, format: 'auto' }];
    });
    const bridge = new FakeBridge({
      ...base,
      'settings.get': settings,
      'blocklist.list': [typed],
      'blocklist.suggestions': [],
      'settings.update': (a) => ({
        ok: true,
        settings: { ...settings, blocklists: { ...settings.blocklists, ...(a!.patch.blocklists as object) } },
      }),
    });
    await renderApp(bridge, 'Blocklists');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Edit Typed ads' })));
    const box = screen.getByRole('textbox', { name: 'Rules of Typed ads' }) as HTMLTextAreaElement;
    expect(box.value).toBe('ads.example');
    fireEvent.change(box, { target: { value: 'ads.example\ntracker.example' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save list' })));
    expect(bridge.argsOf('settings.update').at(-1)).toEqual({
      patch: {
        blocklists: {
          lists: [
            {
              id: 't1',
              name: 'Typed ads',
              enabled: true,
              source: { type: 'text', text: 'ads.example\ntracker.example' },
              format: 'auto',
            },
          ],
        },
      },
    });
    expect(screen.queryByRole('textbox', { name: 'Rules of Typed ads' })).toBeNull();
  });

  it('counts Blocked live while the screen is open', async () => {
    const bridge = new FakeBridge({
      ...base,
      'blocklist.list': [{ ...easyList, hits: 1 }],
      'blocklist.suggestions': [],
    });
    await renderApp(bridge, 'Blocklists');
    const row = screen.getByRole('switch', { name: `Use ${easyList.name}` }).closest('tr')!;
    expect(row.children[4]!.textContent).toBe('1');
    bridge.answer({ 'blocklist.list': [{ ...easyList, hits: 7 }] });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 2200));
    });
    expect(row.children[4]!.textContent).toBe('7');
  });

  it('shows refresh progress from events', async () => {
    const bridge = new FakeBridge({ ...base, 'blocklist.list': [easyList], 'blocklist.suggestions': [] });
    await renderApp(bridge, 'Blocklists');
    act(() => bridge.emit('blocklist.progress', { id: 'l1', phase: 'download', done: 500, total: 1000 }));
    const bar = screen.getByRole('progressbar', { name: `${easyList.name} download` });
    expect(bar.getAttribute('value')).toBe('500');
  });

  it('checks a URL before sending, and keeps what was typed when the service refuses it', async () => {
    const bridge = new FakeBridge({
      ...base,
      'blocklist.list': [],
      'blocklist.add': () => {
        throw { code: 'E_FAILED', message: 'Downloading the list failed: HTTP 404. Check the address.' };
      },
    });
    await renderApp(bridge, 'Blocklists');
    const input = screen.getByRole('textbox', { name: 'List URL' }) as HTMLInputElement;
    fireEvent.change(input, { target: { value: 'not a url' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Add list' })));
    expect(screen.getByRole('alert').textContent).toContain('starting with https://');
    expect(bridge.argsOf('blocklist.add')).toHaveLength(0);
    fireEvent.change(input, { target: { value: 'https://lists.example/missing.txt' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Add list' })));
    expect(screen.getByRole('alert').textContent).toContain('HTTP 404');
    expect(input.value).toBe('https://lists.example/missing.txt');
  });

  it("marks bad rules in place as they are typed (the service's own parser), and Save waits for them", async () => {
    const realCheck = (args: { block: string[]; allow: string[] } | undefined) => {
      const block = parseUserRules(args?.block ?? [], 'block').errors;
      const allow = parseUserRules(args?.allow ?? [], 'allow').errors;
      return block.length || allow.length ? { ok: false as const, block, allow } : { ok: true as const };
    };
    const bridge = new FakeBridge({
      ...base,
      'settings.get': makeSettings((s) => {
        s.blocklists.userBlock = ['ads.example.com'];
      }),
      'blocklist.list': [],
      'blocklist.checkUserRules': realCheck as never,
      'blocklist.setUserRules': { ok: true },
    });
    const view = await renderApp(bridge, 'Blocklists');
    const block = screen.getByRole('textbox', { name: 'Block' }) as HTMLTextAreaElement;
    const save = screen.getByRole('button', { name: 'Save rules' });
    expect(block.value).toBe('ads.example.com');
    const typed = 'ads.example.com\n\n||bad^^$$$\nhttp://[::1';
    await typeRules(block, typed);
    expect(bridge.argsOf('blocklist.checkUserRules').at(-1)).toEqual({
      block: ['ads.example.com', '||bad^^$$$', 'http://[::1'],
      allow: [],
    });
    // the service's lines 2 and 3 are the text's lines 3 and 4 (the blank line is skipped)
    expect(screen.getByText(/^Line 3: "\$\$\$" is not a list of options/)).toBeTruthy();
    expect(screen.getByText('Line 4: "http://[::1" is not a valid URL')).toBeTruthy();
    const marked = [...view.container.querySelectorAll('.gutter-line.bad')].map((el) => el.getAttribute('data-line'));
    expect(marked).toEqual(['3', '4']);
    expect(save).toHaveProperty('disabled', true);
    expect(screen.getByText('2 lines are marked: fix them to save.')).toBeTruthy();
    expect(block.value).toBe(typed);

    await typeRules(block, 'ads.example.com\n\n||good.example^');
    expect(view.container.querySelectorAll('.gutter-line.bad')).toHaveLength(0);
    expect(save).toHaveProperty('disabled', false);
    await act(async () => fireEvent.click(save));
    expect(screen.getByText('Saved 2 block and 0 allow rules.')).toBeTruthy();
    // editing again: the old "Saved" no longer describes what the box holds
    fireEvent.change(block, { target: { value: 'ads.example.com\nmore.example' } });
    expect(screen.queryByText(/^Saved /)).toBeNull();
  });

  it('tests a URL and names the rule that decided', async () => {
    const bridge = new FakeBridge({
      ...base,
      'blocklist.list': [],
      'blocklist.test': {
        decision: 'block',
        rule: { kind: 'blocklist', rule: '||ads.example.com^', list: 'My rules', line: 1 },
        explanation: 'Blocked by ||ads.example.com^ in My rules.',
      },
    });
    await renderApp(bridge, 'Blocklists');
    fireEvent.change(screen.getByRole('textbox', { name: 'URL' }), { target: { value: 'http://ads.example.com/x' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Test' })));
    expect(screen.getByText('Blocked')).toBeTruthy();
    expect(screen.getByText('||ads.example.com^ — My rules, line 1')).toBeTruthy();
  });
});

/** Types into a rules box and waits past the editor's check delay. */
async function typeRules(box: HTMLTextAreaElement, text: string) {
  fireEvent.change(box, { target: { value: text } });
  await act(async () => {
    await new Promise((r) => setTimeout(r, 300));
  });
}
