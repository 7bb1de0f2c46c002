import { mergeRecentTurns } from './recent-turns.ts';
import { OPTION_SET_TTL_MS } from './store-keys.ts';
import type { CampaignStore, OptionSet, StoredTurn } from './types.ts';

// A table's view of the store (table.ts): the records only that table writes are read once and then kept, written
// through, so a turn's start costs writes, not a dozen reads. Under a burst of turns the store answers one request at
// a time (SQLite: one connection), and every read a turn makes before its model call delays every other table too.
//
// What is kept: the channel's recent turns and dice rolls; its campaign's character sheets, lorebook and whispers; the
// option sets the table saved (the last OPTION_SETS_KEPT, the ones a click can still name). Everything else passes
// through. The campaign, scene and waiting actions are kept by table-records.ts.
//
// Rules. The table is the only writer of these records (one process owns a guild's tables), so what it wrote last is
// what the store holds. A write updates the kept value once the store has taken it, and forgets it if the store
// failed (the next read asks the store again). A read fills the kept value only if no write of that record began
// while it was on its way, so an older value never replaces a newer one. Values are copied in and out: a caller that
// changes what it was given, or what it saved, changes nothing kept. The table lets its view go with itself when idle.

/** A click names the turn its buttons came with: the live set, and a few older ones it must refuse politely. */
const OPTION_SETS_KEPT = 8;

export function createTableStore(store: CampaignStore, channelId: string): CampaignStore {
  const turns = keptRecords<StoredTurn[]>();
  const rolls = keptRecords<Awaited<ReturnType<CampaignStore['getRolls']>>>();
  const characters = keptRecords<Awaited<ReturnType<CampaignStore['getCharacters']>>>();
  const lore = keptRecords<Awaited<ReturnType<CampaignStore['getLore']>>>();
  const whispers = keptRecords<Awaited<ReturnType<CampaignStore['getWhispers']>>>();
  const optionSets = new Map<string, { optionSet: OptionSet; savedAt: number }>();

  const own = (id: string) => id === channelId;

  return {
    ...store,

    getRecentTurns: (id) => (own(id) ? turns.read(id, () => store.getRecentTurns(id)) : store.getRecentTurns(id)),
    saveTurns(id, changed) {
      if (!own(id)) return store.saveTurns(id, changed);
      const copy = structuredClone(changed);
      return turns.write(id, () => store.saveTurns(id, changed), (kept) => (kept === undefined ? undefined : mergeRecentTurns(kept, copy)));
    },
    deleteTurns: (id) => (own(id) ? turns.write(id, () => store.deleteTurns(id), () => []) : store.deleteTurns(id)),

    getRolls: (id) => (own(id) ? rolls.read(id, () => store.getRolls(id)) : store.getRolls(id)),
    saveRolls: (id, value) => (own(id) ? rolls.replace(id, value, () => store.saveRolls(id, value)) : store.saveRolls(id, value)),

    getCharacters: (campaignId) => characters.read(campaignId, () => store.getCharacters(campaignId)),
    saveCharacters: (campaignId, value) => characters.replace(campaignId, value, () => store.saveCharacters(campaignId, value)),
    getLore: (campaignId) => lore.read(campaignId, () => store.getLore(campaignId)),
    saveLore: (campaignId, value) => lore.replace(campaignId, value, () => store.saveLore(campaignId, value)),
    getWhispers: (campaignId) => whispers.read(campaignId, () => store.getWhispers(campaignId)),
    saveWhispers: (campaignId, value) => whispers.replace(campaignId, value, () => store.saveWhispers(campaignId, value)),

    async getOptionSet(turnId) {
      const kept = optionSets.get(turnId);
      if (kept !== undefined && Date.now() - kept.savedAt < OPTION_SET_TTL_MS) return structuredClone(kept.optionSet);
      return store.getOptionSet(turnId);
    },
    async saveOptionSet(optionSet) {
      optionSets.delete(optionSet.turnId);
      const copy = structuredClone(optionSet);
      await store.saveOptionSet(optionSet);
      optionSets.set(optionSet.turnId, { optionSet: copy, savedAt: Date.now() });
      for (const turnId of optionSets.keys()) {
        if (optionSets.size <= OPTION_SETS_KEPT) break;
        optionSets.delete(turnId);
      }
    },
  };
}

/** Records kept by key, under the rules above. */
function keptRecords<Value>() {
  const values = new Map<string, Value>();
  /** Per key, bumped when a write begins: a read that began before it must not fill the kept value. */
  const writesBegun = new Map<string, number>();

  async function read(key: string, fromStore: () => Promise<Value>): Promise<Value> {
    const kept = values.get(key);
    if (kept !== undefined) return structuredClone(kept);
    const before = writesBegun.get(key) ?? 0;
    const value = await fromStore();
    if ((writesBegun.get(key) ?? 0) === before && !values.has(key)) values.set(key, structuredClone(value));
    return value;
  }

  /**
   * `next`: the kept value once the store has taken the write, from the one kept before it (undefined: nothing is
   * kept, and the next read asks the store). It must not share objects with the caller's.
   */
  async function write(key: string, toStore: () => Promise<void>, next: (kept: Value | undefined) => Value | undefined): Promise<void> {
    writesBegun.set(key, (writesBegun.get(key) ?? 0) + 1);
    try {
      await toStore();
    } catch (error) {
      values.delete(key);
      throw error;
    }
    const value = next(values.get(key));
    if (value === undefined) values.delete(key);
    else values.set(key, value);
  }

  /** A write of the whole value. */
  function replace(key: string, value: Value, toStore: () => Promise<void>): Promise<void> {
    const copy = structuredClone(value);
    return write(key, toStore, () => copy);
  }

  return { read, write, replace };
}
