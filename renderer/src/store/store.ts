import { create, type StateCreator } from 'zustand';
import { type BlocklistsSlice, createBlocklistsSlice } from './blocklists-slice.js';
import { createPrivacySlice, type PrivacySlice } from './privacy-slice.js';
import { createProxySlice, type ProxySlice } from './proxy-slice.js';
import { createSettingsSlice, type SettingsSlice } from './settings-slice.js';
import { createTrafficSlice, type TrafficSlice } from './traffic-slice.js';

export type VeilState = ProxySlice & TrafficSlice & BlocklistsSlice & PrivacySlice & SettingsSlice;
export type SliceCreator<T> = StateCreator<VeilState, [], [], T>;

/** The whole UI state: data only. Actions are module-level functions in actions/. */
export const useVeil = create<VeilState>()((...a) => ({
  ...createProxySlice(...a),
  ...createTrafficSlice(...a),
  ...createBlocklistsSlice(...a),
  ...createPrivacySlice(...a),
  ...createSettingsSlice(...a),
}));

const initial = useVeil.getState();

/** Back to the first state (component tests start each case from it). */
export function resetStore(): void {
  useVeil.setState(initial, true);
}
