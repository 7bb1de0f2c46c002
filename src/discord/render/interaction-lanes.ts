import { Routes, type REST } from 'discord.js';

// Interactions that may carry the turn they start: a click on an option, or an /act, whose token lets the bot write
// through the interaction's webhook (follow-ups, and edits of them). Discord does not count those routes against the
// bot's global 50 requests per second, and they have a bucket of their own per token, so a turn streamed there does
// not wait behind every other table's writes, nor spend its channel's budget.
//
// Rules. The handler of a player's interaction offers its lane, keyed by the action's id, before it hands the action
// to the table, and says when the interaction is acknowledged (Discord refuses the webhook before that). The turn's
// presenter takes the lane of one of its actions, once; a lane nobody takes is forgotten after LANE_USABLE_MS. A lane
// is only a faster road: every write it cannot make (token expired, webhook refused) goes by the channel instead.

/** Tokens live 15 minutes; a turn started later than this after its interaction goes by the channel from the start. */
export const LANE_USABLE_MS = 10 * 60 * 1000;

export type InteractionLane = {
  applicationId: string;
  token: string;
  /** Date.now() when the interaction was handled: its token's lifetime counts from (about) then. */
  createdAt: number;
  /** Resolves once the interaction's first answer landed; the webhook exists only from then. */
  acknowledged: Promise<void>;
};

export type InteractionLanes = {
  offer(actionId: string, lane: InteractionLane): void;
  withdraw(actionId: string): void;
  /** The lane of the first of these actions that has one still usable, taken so no other turn uses it. */
  take(actionIds: readonly string[]): InteractionLane | undefined;
  /**
   * A public follow-up of an interaction, sent by the same road as the turns (webhooks): discord.js would count it in
   * its own global throttle, and the turn's first words wait for it (they come below it).
   */
  followUp(interaction: { applicationId: string; token: string }, content: string): Promise<void>;
};

export function createInteractionLanes(input: { webhooks: REST; now?: () => number }): InteractionLanes {
  const now = input.now ?? Date.now;
  const offers = new Map<string, InteractionLane>();

  function forgetStale(): void {
    for (const [actionId, lane] of offers) if (now() - lane.createdAt > LANE_USABLE_MS) offers.delete(actionId);
  }

  return {
    offer(actionId, lane) {
      forgetStale();
      offers.set(actionId, lane);
    },
    withdraw(actionId) {
      offers.delete(actionId);
    },
    take(actionIds) {
      forgetStale();
      for (const actionId of actionIds) {
        const lane = offers.get(actionId);
        if (lane === undefined) continue;
        offers.delete(actionId);
        return lane;
      }
      return undefined;
    },
    async followUp(interaction, content) {
      await input.webhooks.post(Routes.webhook(interaction.applicationId, interaction.token), {
        body: { content, allowed_mentions: { parse: [] } },
        query: new URLSearchParams({ wait: 'true' }),
        auth: false,
      });
    },
  };
}

/**
 * A lane for a player's interaction: offered at once, acknowledged when `acknowledge()` is called (after the handler's
 * first answer). `fail()` withdraws it (the action was refused).
 */
export function offerLane(
  lanes: InteractionLanes,
  interaction: { id: string; applicationId: string; token: string },
): { acknowledge(): void; withdraw(): void } {
  let acknowledge = () => {};
  const acknowledged = new Promise<void>((resolve) => {
    acknowledge = resolve;
  });
  lanes.offer(interaction.id, { applicationId: interaction.applicationId, token: interaction.token, createdAt: Date.now(), acknowledged });
  return { acknowledge, withdraw: () => lanes.withdraw(interaction.id) };
}
