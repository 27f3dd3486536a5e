import type {
  BlocklistInfo,
  BlocklistProgress,
  BlocklistSuggestion,
} from '../../../proxy-core/src/control/contract.js';
import type { SliceCreator } from './store.js';

export interface BlocklistsSlice {
  lists: BlocklistInfo[] | null;
  listsError: string | null;
  suggestions: BlocklistSuggestion[];
  /** Latest progress per list id while a refresh runs. */
  progress: Record<string, BlocklistProgress>;
}

export const createBlocklistsSlice: SliceCreator<BlocklistsSlice> = () => ({
  lists: null,
  listsError: null,
  suggestions: [],
  progress: {},
});
