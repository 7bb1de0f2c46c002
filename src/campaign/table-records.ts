import type { PlayerAction } from '../dm/types.ts';
import type { Campaign, CampaignStore, StoredScene } from './types.ts';

/**
 * A table's small, hot records (campaign, waiting actions, scene) read through a cache. The table is their only
 * writer and writes through, so what it last wrote is what the store holds: a turn's start no longer waits for
 * reads of what the table itself just wrote. A write that fails forgets the cached value, so the next read asks the
 * store again. The recent turns are not cached: they are large and read once per turn.
 */
export type TableRecords = ReturnType<typeof createTableRecords>;

type Cached<T> = { value: T } | null;

export function createTableRecords(store: CampaignStore, channelId: string) {
  let campaign: Cached<Campaign | undefined> = null;
  let waiting: Cached<PlayerAction[]> = null;
  let scene: Cached<StoredScene | undefined> = null;

  return {
    async campaign(): Promise<Campaign | undefined> {
      campaign ??= { value: await store.getCampaign(channelId) };
      return campaign.value;
    },
    async saveCampaign(value: Campaign): Promise<void> {
      campaign = null;
      await store.saveCampaign(value);
      campaign = { value };
    },
    async waiting(): Promise<PlayerAction[]> {
      waiting ??= { value: await store.getWaiting(channelId) };
      return waiting.value;
    },
    /** Without reading: the waiting list as last read or written, 0 when not known. */
    waitingCount(): number {
      return waiting?.value.length ?? 0;
    },
    async saveWaiting(value: PlayerAction[]): Promise<void> {
      waiting = null;
      await store.saveWaiting(channelId, value);
      waiting = { value };
    },
    async scene(): Promise<StoredScene | undefined> {
      scene ??= { value: await store.getScene(channelId) };
      return scene.value;
    },
    async saveScene(value: StoredScene): Promise<void> {
      scene = null;
      await store.saveScene(channelId, value);
      scene = { value };
    },
    async deleteScene(): Promise<void> {
      scene = null;
      await store.deleteScene(channelId);
      scene = { value: undefined };
    },
  };
}
