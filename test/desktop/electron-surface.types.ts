// Type-level checks, run by `tsc -b` (npm run typecheck): the shell's Electron surface is Electron's own.
import type * as E from 'electron';
import type { ShellElectron } from '../../electron/electron-surface.js';

/** The installed electron module fits the surface runShell takes (main.ts relies on it too). */
export const realElectronFits: typeof import('electron') extends ShellElectron ? true : false = true;

/** An Electron whose App lost an event the shell listens to ('second-instance') no longer fits. */
type AppWithoutSecondInstance = Omit<E.App, 'on'> & {
  on(
    event: 'before-quit' | 'window-all-closed' | 'activate' | 'web-contents-created',
    listener: (...args: never[]) => void,
  ): E.App;
};
// @ts-expect-error the shell's app surface needs 'second-instance'
export const renamedEvent: ShellElectron['app'] = {} as AppWithoutSecondInstance;

/** A Tray whose setToolTip was renamed no longer fits. */
type TrayWithRenamedMethod = Omit<E.Tray, 'setToolTip'> & { setTooltip(toolTip: string): void };
// @ts-expect-error the shell's tray surface needs setToolTip
export const renamedMethod: InstanceType<ShellElectron['Tray']> = {} as TrayWithRenamedMethod;
