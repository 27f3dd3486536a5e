// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeBridge } from './fake-bridge.js';
import { makeRecord, makeSettings, makeStatus } from './fixtures.js';
import { renderApp } from './render-app.js';

const base = { 'status.get': makeStatus(), 'settings.get': makeSettings() };
const rows = () => screen.queryAllByRole('row').filter((r) => r.hasAttribute('data-id'));

describe('Traffic: what inspection made of a tunnel', () => {
  const cases: Array<[Parameters<typeof makeRecord>[0], RegExp]> = [
    [{ tunnel: { mode: 'inspected', protocol: 'http/1.1' } }, /Inspected: Veil opened this HTTPS tunnel/],
    [
      { tunnel: { mode: 'excluded', reason: '*.bank.example' } },
      /\*\.bank\.example is on the list of sites left alone/,
    ],
    [
      {
        tunnel: {
          mode: 'passed-through',
          reason: 'origin-certificate',
          fault: 'expired',
          answer: 'origin-certificate',
        },
      },
      /certificate failed \(expired\); the browser saw the site's own certificate/,
    ],
    [{}, /encrypted end to end: Veil saw only the host name/],
  ];
  for (const [over, sentence] of cases) {
    it(`says ${sentence.source.slice(0, 40)}…`, async () => {
      const record = makeRecord({ kind: 'connect', method: 'CONNECT', url: 'bank.example:443', receipt: [], ...over });
      await renderApp(new FakeBridge({ ...base, 'traffic.snapshot': { records: [record], total: 1 } }), 'Traffic');
      fireEvent.click(rows()[0]!);
      const details = screen.getByRole('complementary', { name: 'Exchange details' });
      expect(details.textContent).toMatch(sentence);
    });
  }
});
