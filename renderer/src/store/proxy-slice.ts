import type { Status } from '../../../proxy-core/src/control/contract.js';
import type { ConnectionState } from '../bridge/ws-bridge.js';
import type { SliceCreator } from './store.js';

/** How many requests-per-second samples the Home graph keeps (one per poll). */
export const RATE_SAMPLES = 60;

export interface ProxySlice {
  connection: ConnectionState;
  /** Why no Bridge could be made (opened without the token), shown instead of the app. */
  fatal: string | null;
  status: Status | null;
  statusError: string | null;
  /** A toggle is in flight: the switch shows it and ignores more clicks. */
  toggling: boolean;
  /** Why the last toggle did not do what was asked; kept until the next toggle. */
  toggleError: string | null;
  rateHistory: number[];
}

export const createProxySlice: SliceCreator<ProxySlice> = () => ({
  connection: 'connecting',
  fatal: null,
  status: null,
  statusError: null,
  toggling: false,
  toggleError: null,
  rateHistory: [],
});
