import type { ExchangeRecord, TrafficFilter } from '../../../proxy-core/src/control/contract.js';
import type { SliceCreator } from './store.js';

export interface TrafficSlice {
  records: ExchangeRecord[];
  /** Records the service could not deliver because the UI fell behind. */
  missed: number;
  trafficLoaded: boolean;
  trafficError: string | null;
  paused: boolean;
  filter: TrafficFilter;
  selectedId: number | null;
}

export const createTrafficSlice: SliceCreator<TrafficSlice> = () => ({
  records: [],
  missed: 0,
  trafficLoaded: false,
  trafficError: null,
  paused: false,
  filter: {},
  selectedId: null,
});
