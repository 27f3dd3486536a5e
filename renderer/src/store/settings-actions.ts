import type { Settings, UpdateResult } from '../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../bridge/bridge.js';
import { applyTheme } from '../lib/theme.js';
import { bridge } from './bridge-ref.js';
import { useVeil } from './store.js';

/** Takes settings from an event or an answer. */
export function receiveSettings(settings: Settings): void {
  useVeil.setState({ settings, settingsError: null });
  applyTheme(settings.app.theme);
}

/** Loads the settings document. */
export async function loadSettings(): Promise<void> {
  try {
    receiveSettings(await bridge().invoke('settings.get'));
  } catch (err) {
    useVeil.setState({ settingsError: errorMessage(err) });
  }
}

/** Checks a patch without saving it. */
export function validateSettings(patch: Record<string, unknown>): Promise<UpdateResult> {
  return bridge().invoke('settings.validate', { patch });
}

/** Saves a patch; on field errors nothing changes and the errors come back for the form. */
export async function updateSettings(patch: Record<string, unknown>): Promise<UpdateResult> {
  const result = await bridge().invoke('settings.update', { patch });
  if (result.ok) receiveSettings(result.settings);
  return result;
}
