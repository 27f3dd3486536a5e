import type { PrivacyProfile, UpdateResult } from '../../../proxy-core/src/control/contract.js';
import { errorMessage } from '../bridge/bridge.js';
import { bridge } from './bridge-ref.js';
import { receiveSettings } from './settings-actions.js';
import { useVeil } from './store.js';

/** Loads the built-in and custom profiles. */
export async function loadProfiles(): Promise<void> {
  try {
    useVeil.setState({ profiles: await bridge().invoke('privacy.profiles'), profilesError: null });
  } catch (err) {
    useVeil.setState({ profilesError: errorMessage(err) });
  }
}

function settle(result: UpdateResult): UpdateResult {
  if (result.ok) receiveSettings(result.settings);
  return result;
}

/** Makes a profile the active one. */
export async function setProfile(profile: string): Promise<UpdateResult> {
  const result = settle(await bridge().invoke('privacy.setProfile', { profile }));
  void loadProfiles();
  return result;
}

/** Saves a custom profile (new or changed). */
export async function saveProfile(profile: PrivacyProfile): Promise<UpdateResult> {
  const result = settle(await bridge().invoke('privacy.saveProfile', { profile }));
  await loadProfiles();
  return result;
}

/** Deletes a custom profile. */
export async function deleteProfile(id: string): Promise<UpdateResult> {
  const result = settle(await bridge().invoke('privacy.deleteProfile', { id }));
  await loadProfiles();
  return result;
}
