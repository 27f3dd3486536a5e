import type { Settings } from '../../../proxy-core/src/control/contract.js';
import type { SliceCreator } from './store.js';

export interface SettingsSlice {
  settings: Settings | null;
  settingsError: string | null;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = () => ({
  settings: null,
  settingsError: null,
});
