import type { PartyMember, PastTurn, PlayerAction, RolledDice, SceneMetadata, TurnContext } from '../dm/types.ts';
import { selectLore } from './lorebook.ts';
import type { Campaign, CharacterSheets, LoreEntry, StoredTurn, StoredWhisper } from './types.ts';
import { whisperExchanges } from './whispers.ts';

/** Turns kept verbatim once older ones are folded into the campaign's running summary. */
export const RECENT_TURNS_IN_PROMPT = 6;
/**
 * Folding waits until this many turns are not yet in the summary, so one summary call covers several turns.
 * It is also the prompt's hard bound if folding keeps failing.
 */
export const FOLD_WHEN_UNSUMMARISED = 9;

/** Whether a stored turn is one of this campaign's. Turns stored before campaigns had ids carry '' and are the current campaign's. */
export function belongsTo(turn: StoredTurn, campaign: Campaign): boolean {
  return turn.campaignId === campaign.campaignId || turn.campaignId === '';
}

/** This campaign's delivered turns (narrations included), oldest first. */
export function deliveredTurns(campaign: Campaign, turns: readonly StoredTurn[]): StoredTurn[] {
  return turns.filter((turn) => belongsTo(turn, campaign) && turn.status === 'complete').sort((first, second) => first.number - second.number);
}

/** Delivered turns of this campaign that the running summary does not cover yet, oldest first. */
export function unsummarisedTurns(campaign: Campaign, turns: readonly StoredTurn[]): StoredTurn[] {
  return deliveredTurns(campaign, turns).filter((turn) => turn.number > campaign.summarisedThroughTurn);
}

/** How many delivered turns without an action of their own make a party member "quiet". */
export const SPOTLIGHT_TURNS = 3;

/**
 * Party members who have not acted in the last SPOTLIGHT_TURNS delivered turns and do not act in this one: the prompt
 * names them, so the DM gives them a moment. Empty until the campaign has played that many turns.
 */
export function quietMembers(campaign: Campaign, turns: readonly StoredTurn[], actions: readonly PlayerAction[]): string[] {
  const played = deliveredTurns(campaign, turns).filter((turn) => turn.kind === 'turn' && turn.actions.length > 0);
  if (campaign.party.length < 2 || played.length < SPOTLIGHT_TURNS) return [];
  const active = new Set([...played.slice(-SPOTLIGHT_TURNS).flatMap((turn) => turn.actions), ...actions].map((action) => action.playerId));
  return campaign.party.filter((member) => !active.has(member.playerId)).map((member) => member.name);
}

/**
 * The party as the prompt shows it: each member with their sheet, and anyone with a sheet who is not in the party
 * (an undo took them out) under their character's name.
 */
export function withSheets(party: readonly PartyMember[], sheets: CharacterSheets): PartyMember[] {
  const members = party.map((member) => {
    const sheet = sheets[member.playerId];
    return sheet === undefined ? member : { ...member, sheet };
  });
  for (const [playerId, sheet] of Object.entries(sheets)) {
    if (!party.some((member) => member.playerId === playerId)) members.push({ playerId, name: sheet.name, sheet });
  }
  return members;
}

export function buildTurnContext(input: {
  turnId: string;
  campaign: Campaign;
  scene: SceneMetadata | undefined;
  recentTurns: StoredTurn[];
  actions: PlayerAction[];
  opening: boolean;
  /** The table comes back after a long gap (recap-gap.ts). Absent: no. */
  previously?: boolean;
  /** The X-card withdrew this turn's previous version: the DM takes the story another way. */
  redirect?: boolean;
  /** The campaign's character sheets by player id, and the rolls to report. Absent: none. */
  characters?: CharacterSheets;
  rolls?: RolledDice[];
  /** The campaign's lorebook; only the entries the recent text calls for reach the prompt. Absent: none. */
  lore?: readonly LoreEntry[];
  /** The campaign's whispers; the latest that still stand reach the prompt, as secrets. Absent: none. */
  whispers?: readonly StoredWhisper[];
  streaming: boolean;
}): TurnContext {
  const { campaign } = input;
  const recentTurns: PastTurn[] = unsummarisedTurns(campaign, input.recentTurns)
    .slice(-FOLD_WHEN_UNSUMMARISED)
    .map((turn) => ({ kind: turn.kind, actions: turn.actions, narrative: turn.narrative, response: turn.response }));
  return {
    turnId: input.turnId,
    campaign: {
      id: campaign.campaignId,
      premise: campaign.premise,
      tone: campaign.tone,
      summary: campaign.summary,
      party: withSheets(campaign.party, input.characters ?? {}),
    },
    opening: input.opening,
    previously: input.previously ?? false,
    redirect: input.redirect ?? false,
    scene: input.scene ?? null,
    rules: { length: campaign.settings.length, limits: campaign.settings.limits },
    recentTurns,
    actions: input.actions,
    quiet: quietMembers(campaign, input.recentTurns, input.actions),
    rolls: (input.rolls ?? []).map(({ playerName, characterName, expression, rolls, total, reason }) => ({ playerName, characterName, expression, rolls, total, reason })),
    lore: selectLore({ entries: input.lore ?? [], actions: input.actions, recentTurns }),
    whispers: whisperExchanges(input.whispers ?? [], input.recentTurns),
    streaming: input.streaming,
  };
}
