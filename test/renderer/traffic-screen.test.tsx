// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { useVeil } from '../../renderer/src/store/store.js';
import { flushTraffic, mergeRecords } from '../../renderer/src/store/traffic-actions.js';
import { FakeBridge, failure } from './fake-bridge.js';
import { makeRecord, makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

const base = { 'status.get': makeStatus(), 'settings.get': makeSettings() };

function rows() {
  return screen.queryAllByRole('row').filter((r) => r.hasAttribute('data-id'));
}

describe('Traffic', () => {
  it('shows loading while the snapshot is on its way', async () => {
    await renderApp(new FakeBridge(base), 'Traffic');
    expect(screen.getByText('Loading recorded traffic…')).toBeTruthy();
  });

  it('explains an empty table', async () => {
    await renderApp(new FakeBridge({ ...base, 'traffic.snapshot': { records: [], total: 0 } }), 'Traffic');
    expect(screen.getByText(/No traffic yet/)).toBeTruthy();
  });

  it('shows the error with a retry', async () => {
    const bridge = new FakeBridge({ ...base, 'traffic.snapshot': failure('buffer unavailable') });
    await renderApp(bridge, 'Traffic');
    expect(screen.getByRole('alert').textContent).toContain('buffer unavailable');
    bridge.answer({ 'traffic.snapshot': { records: [makeRecord()], total: 1 } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Try again' })));
    expect(rows()).toHaveLength(1);
  });

  it('appends live batches at the bottom, a blocked row with its rule', async () => {
    const bridge = new FakeBridge({ ...base, 'traffic.snapshot': { records: [makeRecord()], total: 1 } });
    await renderApp(bridge, 'Traffic');
    const blocked = makeRecord({
      host: 'ads.example.net',
      url: 'http://ads.example.net/pixel.gif',
      status: 403,
      blocked: { kind: 'blocklist', rule: '||ads.example.net^', list: 'My rules', line: 1 },
      receipt: [],
    });
    act(() => {
      bridge.emit('traffic', { records: [makeRecord(), blocked], missed: 0 });
      flushTraffic();
    });
    const all = rows();
    expect(all).toHaveLength(3);
    expect(all[2]!.textContent).toContain('||ads.example.net^');
    expect(all[2]!.className).toContain('row-blocked');
  });

  it('shows an open exchange and replaces it in place when it ends', async () => {
    const bridge = new FakeBridge(base);
    await renderApp(bridge, 'Traffic');
    const before = rows().length;
    const open = makeRecord({ state: 'open', kind: 'connect', url: 'example.org:443', status: 200, bytesDown: 0 });
    act(() => {
      bridge.emit('traffic', { records: [open, makeRecord()], missed: 0 });
      flushTraffic();
    });
    expect(rows()).toHaveLength(before + 2);
    expect(rows()[before]!.textContent).toContain('…');
    act(() => {
      bridge.emit('traffic', { records: [{ ...open, state: 'done', bytesDown: 2048 }], missed: 0 });
      flushTraffic();
    });
    expect(rows()).toHaveLength(before + 2);
    expect(rows()[before]!.textContent).toContain('2.0 KB');
    expect(rows()[before]!.textContent).not.toContain('…');
  });

  it('merges by id: updates replace, a late open never replaces a done record', () => {
    const a = makeRecord({ state: 'open' });
    const b = makeRecord();
    const merged = mergeRecords([a, b], [{ ...a, state: 'done' }, makeRecord({ id: b.id + 1 })]);
    expect(merged.map((r) => [r.id, r.state])).toEqual([
      [a.id, 'done'],
      [b.id, 'done'],
      [b.id + 1, 'done'],
    ]);
    expect(mergeRecords(merged, [a]).map((r) => r.state)).toEqual(['done', 'done', 'done']);
    // an open and its done in one batch end as one row
    const c = makeRecord({ state: 'open' });
    expect(mergeRecords([], [c, { ...c, state: 'done' }]).map((r) => [r.id, r.state])).toEqual([[c.id, 'done']]);
  });

  it('renders only a window of 10,000 rows', async () => {
    const many = Array.from({ length: 10_000 }, () => makeRecord());
    await renderApp(new FakeBridge({ ...base, 'traffic.snapshot': { records: many, total: many.length } }), 'Traffic');
    expect(screen.getByText('10,000')).toBeTruthy();
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().length).toBeLessThan(100);
  });

  it('keeps the newest 10,000 when more arrive', async () => {
    const many = Array.from({ length: 10_000 }, () => makeRecord());
    const bridge = new FakeBridge({ ...base, 'traffic.snapshot': { records: many, total: many.length } });
    await renderApp(bridge, 'Traffic');
    const newest = makeRecord({ url: 'http://example.com/the-newest' });
    act(() => {
      bridge.emit('traffic', { records: [makeRecord(), newest], missed: 3 });
      flushTraffic();
    });
    expect(screen.getByText(/^10,000/).textContent).toBe('10,000 (3 skipped while busy)');
    // jsdom does not scroll, so read the table's data rather than its rendered window.
    const records = useVeil.getState().records;
    expect(records).toHaveLength(10_000);
    expect(records.at(-1)!.url).toBe('http://example.com/the-newest');
    expect(records[0]!.id).toBe(many[2]!.id);
  });

  it('filters by text, blocked only and status class; / focuses the filter', async () => {
    const records = [
      makeRecord({ url: 'http://a.test/one', host: 'a.test' }),
      makeRecord({ url: 'http://b.test/two', host: 'b.test', status: 404 }),
      makeRecord({
        url: 'http://c.test/three',
        host: 'c.test',
        status: 403,
        blocked: { kind: 'blocklist', rule: 'c.test', list: 'x' },
      }),
    ];
    await renderApp(new FakeBridge({ ...base, 'traffic.snapshot': { records, total: 3 } }), 'Traffic');
    const user = userEvent.setup();
    await user.keyboard('/');
    const filter = screen.getByRole('searchbox', { name: /Filter/ });
    expect(document.activeElement).toBe(filter);
    await user.type(filter, 'two');
    expect(rows()).toHaveLength(1);
    expect(screen.getByText('1 of 3')).toBeTruthy();
    await user.clear(filter);
    await user.click(screen.getByRole('checkbox', { name: 'Blocked only' }));
    expect(rows().map((r) => r.textContent)).toEqual([expect.stringContaining('c.test')]);
    await user.click(screen.getByRole('checkbox', { name: 'Blocked only' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), '4xx');
    expect(rows().map((r) => r.textContent)).toEqual([
      expect.stringContaining('b.test'),
      expect.stringContaining('c.test'),
    ]);
  });

  it('opens the details beside the table with the receipt; Escape closes them', async () => {
    const r = makeRecord();
    await renderApp(new FakeBridge({ ...base, 'traffic.snapshot': { records: [r], total: 1 } }), 'Traffic');
    fireEvent.click(rows()[0]!);
    const details = screen.getByRole('complementary', { name: 'Exchange details' });
    const request = within(details).getByRole('region', { name: /Request headers \(as the client/ });
    // Removed: struck through, with the rule's name.
    const removed = within(request).getByText('10.0.0.7');
    expect(removed.tagName).toBe('DEL');
    expect(request.textContent).toContain('removed by standard/forwarding-headers');
    // Replaced: old → new.
    expect(within(request).getByText('curl/8.0').tagName).toBe('DEL');
    expect(within(request).getByText('Mozilla/5.0').tagName).toBe('INS');
    expect(within(details).getByRole('region', { name: 'Timings' }).textContent).toContain('25 ms');
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('complementary', { name: 'Exchange details' })).toBeNull();
  });

  it('the receipt says why the User-Agent was reduced or made uniform', async () => {
    const chrome =
      'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.205 Safari/537.36';
    const reduced =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const uniform =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/155.0.0.0 Safari/537.36';
    const withUa = (newValue: string, rule: string) =>
      makeRecord({
        requestHeaders: [['User-Agent', chrome]],
        receipt: [{ direction: 'request', action: 'replaced', header: 'User-Agent', oldValue: chrome, newValue, rule }],
      });
    const a = withUa(reduced, 'standard/user-agent');
    const b = withUa(uniform, 'strict/user-agent');
    await renderApp(new FakeBridge({ ...base, 'traffic.snapshot': { records: [a, b], total: 2 } }), 'Traffic');
    fireEvent.click(rows()[0]!);
    const details = () => screen.getByRole('complementary', { name: 'Exchange details' });
    expect(details().textContent).toContain(
      'Reduced: the same browser and version, without the details (build, system version, device) that tell you apart.',
    );
    fireEvent.click(rows()[1]!);
    expect(details().textContent).toContain('Uniform: every user of this profile sends this same string');
  });

  it('marks a transparent exchange, names its original destination and says a Host mismatch in words', async () => {
    const plain = makeRecord({ host: 'plain.test' });
    const forged = makeRecord({
      host: 'forged.test',
      via: 'transparent',
      originalDestination: '203.0.113.10:80',
      hostMismatch: true,
    });
    await renderApp(new FakeBridge({ ...base, 'traffic.snapshot': { records: [plain, forged], total: 2 } }), 'Traffic');
    expect(rows()[0]!.textContent).not.toContain('transparent');
    expect(rows()[1]!.textContent).toContain('transparent');
    fireEvent.click(rows()[1]!);
    const details = screen.getByRole('complementary', { name: 'Exchange details' });
    expect(details.textContent).toContain('transparent (to 203.0.113.10:80)');
    expect(details.textContent).toContain('does not resolve to the address the client connected to');
  });

  it('pauses the live feed and clears the table', async () => {
    const bridge = new FakeBridge({
      ...base,
      'traffic.snapshot': { records: [makeRecord()], total: 1 },
      'traffic.pause': { paused: true },
      'traffic.clear': { cleared: 1 },
    });
    await renderApp(bridge, 'Traffic');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Pause' })));
    act(() => {
      bridge.emit('traffic', { records: [makeRecord()], missed: 0 });
      flushTraffic();
    });
    expect(rows()).toHaveLength(1);
    expect(bridge.argsOf('traffic.pause')).toHaveLength(1);
    expect(screen.getByText('Paused: new requests still go through Veil but are not recorded here.')).toBeTruthy();
    bridge.answer({ 'traffic.resume': { paused: false, missed: 3 } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Resume' })));
    expect(screen.getByText('3 requests made while paused are not shown.')).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Clear' })));
    expect(screen.queryByText(/made while paused/)).toBeNull();
    expect(bridge.argsOf('traffic.clear')).toHaveLength(1);
    expect(screen.getByText(/No traffic yet/)).toBeTruthy();
  });

  it('exports a HAR of what the filter shows', async () => {
    const har = { log: { version: '1.2' as const, creator: { name: 'Veil', version: '0' }, entries: [] } };
    const bridge = new FakeBridge({
      ...base,
      'traffic.snapshot': { records: [makeRecord()], total: 1 },
      'traffic.exportHar': har,
    });
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => {
      created.push(b);
      return 'blob:veil';
    });
    URL.revokeObjectURL = vi.fn();
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    await renderApp(bridge, 'Traffic');
    fireEvent.change(screen.getByRole('textbox', { name: 'Host' }), { target: { value: 'example.com' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Export HAR' })));
    expect(bridge.argsOf('traffic.exportHar')).toEqual([{ filter: { host: 'example.com' } }]);
    expect(clicked).toEqual([expect.stringMatching(/^veil-.*\.har$/)]);
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(created[0]!);
    });
    expect(JSON.parse(text)).toEqual(har);
  });

  it('says when the export fails', async () => {
    const bridge = new FakeBridge({
      ...base,
      'traffic.snapshot': { records: [makeRecord()], total: 1 },
      'traffic.exportHar': failure('disk full'),
    });
    await renderApp(bridge, 'Traffic');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Export HAR' })));
    expect(screen.getByRole('alert').textContent).toContain('Export failed: disk full');
  });
});
