import type { MenuItemConstructorOptions } from 'electron';
import type { Status } from '../proxy-core/src/control/contract.js';

export type TrayIconState = 'on' | 'off' | 'error';

export type TrayAction =
  | { kind: 'veil'; on: boolean }
  | { kind: 'system-proxy'; on: boolean }
  | { kind: 'profile'; profile: string }
  | { kind: 'pause-traffic'; paused: boolean }
  | { kind: 'open' }
  | { kind: 'quit' };

/** The built-in profiles the tray offers as a radio group. */
export const TRAY_PROFILES = [
  { id: 'strict', label: 'Strict' },
  { id: 'standard', label: 'Standard' },
  { id: 'transparent', label: 'Transparent' },
] as const;

/** Error when something needs attention, else on or off. */
export function trayIconState(status: Status): TrayIconState {
  if (status.error || status.systemProxy.error || status.systemProxy.foreignChange) return 'error';
  return status.running ? 'on' : 'off';
}

const count = new Intl.NumberFormat('en-US');

/** The tooltip: the state in words and the live counts. */
export function trayTooltip(status: Status): string {
  if (status.error) return `Veil — ${status.error}`;
  if (!status.running) return 'Veil is off';
  const c = status.counters;
  const sys = status.systemProxy.active ? ', system proxy on' : '';
  return `Veil is on — ${count.format(c.requests)} requests, ${count.format(c.blocked)} blocked${sys}`;
}

/** The fields the menu depends on; the menu is rebuilt only when this changes (not on every count). */
export function trayMenuKey(status: Status): string {
  return JSON.stringify([
    status.running,
    status.systemProxy.active,
    status.systemProxy.platform,
    status.profile,
    status.trafficPaused,
  ]);
}

/** The tray menu for a status; each item reports its action through `act`. */
export function trayMenuTemplate(status: Status, act: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  const canSetSystem = status.systemProxy.platform !== 'unsupported';
  return [
    {
      label: 'Veil on',
      type: 'checkbox',
      checked: status.running,
      click: () => act({ kind: 'veil', on: !status.running }),
    },
    {
      label: 'Use as system proxy',
      type: 'checkbox',
      checked: status.systemProxy.active,
      enabled: canSetSystem,
      toolTip: canSetSystem ? undefined : 'Veil cannot set the system proxy on this desktop.',
      click: () => act({ kind: 'system-proxy', on: !status.systemProxy.active }),
    },
    {
      label: 'Profile',
      submenu: TRAY_PROFILES.map((p) => ({
        label: p.label,
        type: 'radio' as const,
        checked: status.profile === p.id,
        click: () => act({ kind: 'profile', profile: p.id }),
      })),
    },
    { type: 'separator' },
    { label: 'Open Veil', click: () => act({ kind: 'open' }) },
    {
      label: 'Pause traffic log',
      type: 'checkbox',
      checked: status.trafficPaused,
      click: () => act({ kind: 'pause-traffic', paused: !status.trafficPaused }),
    },
    { type: 'separator' },
    { label: 'Quit Veil', click: () => act({ kind: 'quit' }) },
  ];
}
