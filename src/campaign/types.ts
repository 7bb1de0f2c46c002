import type { TokenUsage } from '../llm/types.ts';
import type { PartyMember, PlayerAction, SceneMetadata, TurnUsage } from '../dm/types.ts';

export type CampaignStatus = 'active' | 'paused' | 'ended';

export type CampaignSettings = {
  /** null: follow the STREAMING config; true/false: this channel's override. */
  streaming: boolean | null;
};

export type Campaign = {
  channelId: string;
  guildId: string;
  status: CampaignStatus;
  premise: string;
  tone: string;
  summary: string;
  /** The running summary covers the turns up to this number; later ones are still kept verbatim. */
  summarisedThroughTurn: number;
  party: PartyMember[];
  settings: CampaignSettings;
  startedBy: string;
  createdAt: string;
  updatedAt: string;
  turnCount: number;
};

export type TurnStatus = 'in_progress' | 'complete' | 'interrupted';

export type StoredTurn = {
  turnId: string;
  channelId: string;
  guildId: string;
  number: number;
  status: TurnStatus;
  actions: PlayerAction[];
  narrative: string;
  response: string;
  options: string[];
  usage: TurnUsage;
  /** Discord messages that show this turn, in order; the last one carries the option buttons. */
  messageIds: string[];
  startedAt: string;
  finishedAt: string | null;
};

/** The options behind the buttons of one turn: custom_ids carry only the turn id and an index. */
export type OptionSet = {
  turnId: string;
  channelId: string;
  messageId: string;
  options: string[];
  /** Index of the option that was chosen, once the next turn has started. */
  chosen: number | null;
  /** Whether a click still counts: until the next turn has delivered its own options. */
  live: boolean;
};

export type UsageTotals = TokenUsage & { turns: number };

export interface CampaignStore {
  getCampaign(channelId: string): Promise<Campaign | undefined>;
  saveCampaign(campaign: Campaign): Promise<void>;

  getScene(channelId: string): Promise<SceneMetadata | undefined>;
  saveScene(channelId: string, scene: SceneMetadata): Promise<void>;

  /** Most recent last; bounded (the oldest are dropped past RECENT_TURNS_KEPT). */
  getRecentTurns(channelId: string): Promise<StoredTurn[]>;
  /** Forgets the channel's scene and turns, and closes their buttons: a new campaign starts there. */
  startOver(channelId: string): Promise<void>;

  /** Inserts the turn, or replaces the stored turn with the same turnId. */
  saveTurn(turn: StoredTurn): Promise<void>;

  getOptionSet(turnId: string): Promise<OptionSet | undefined>;
  saveOptionSet(optionSet: OptionSet): Promise<void>;

  /** Channels with a turn that was started and not finished: what a crash leaves behind. */
  listTurnsInProgress(): Promise<StoredTurn[]>;

  addUsage(scope: { guildId: string; channelId: string }, usage: TokenUsage): Promise<void>;
  getUsage(scope: { kind: 'guild' | 'channel'; id: string }): Promise<UsageTotals>;

  close(): Promise<void>;
}
