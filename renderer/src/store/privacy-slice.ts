import type { ProfileInfo } from '../../../proxy-core/src/control/contract.js';
import type { SliceCreator } from './store.js';

export interface PrivacySlice {
  profiles: ProfileInfo[] | null;
  profilesError: string | null;
}

export const createPrivacySlice: SliceCreator<PrivacySlice> = () => ({
  profiles: null,
  profilesError: null,
});
