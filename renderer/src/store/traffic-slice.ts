import type { ExchangeRecord, TrafficFilter } from '../../../proxy-core/src/control/contract.js';
import type { SliceCreator } from './store.js';

export interface TrafficSlice {
  records: ExchangeRecord[];
  /** Records the service could not deliver because the UI fell behind. */
  missed: number;
  trafficLoaded: boolean;
  trafficError: string | null;
  paused: boolean;
  /** Exchanges made during the last pause: never shown, so the toolbar says how many. */
  missedWhilePaused: number;
  filter: TrafficFilter;
  selectedId: number | null;
}

export const createTrafficSlice: SliceCreator<TrafficSlice> = () => ({
  records: [],
  missed: 0,
  trafficLoaded: false,
  trafficError: null,
  paused: false,
  missedWhilePaused: 0,
  filter: {},
  selectedId: null,
});
