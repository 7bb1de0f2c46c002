import { Routes, type REST } from 'discord.js';

// Interactions that may carry the turn they start: a click on an option, an /act, or the /gm start that opens a
// campaign, whose token lets the bot write through the interaction's webhook (follow-ups, and edits of them). Discord
// does not count those routes against the bot's global 50 requests per second, and they have a bucket of their own
// per token, so a turn streamed there does not wait behind every other table's writes, nor spend its channel's budget.
//
// Rules. The handler of an interaction offers its lane, keyed by the interaction's id (which is also the id of the
// action it submits, or the request id the opening turn carries), before it hands the interaction to the table, and
// says when the interaction is answered far enough for the turn to follow (Discord refuses the webhook before the
// first answer; a command's own answers come first). The turn's presenter takes the lane of one of its origins, once;
// a lane nobody takes is forgotten after LANE_USABLE_MS. A lane is only a faster road: every write it cannot make
// (token expired, webhook refused) goes by the channel instead.

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
  offer(originId: string, lane: InteractionLane): void;
  withdraw(originId: string): void;
  /** The lane of the first of these origins that has one still usable, taken so no other turn uses it. */
  take(originIds: readonly string[]): InteractionLane | undefined;
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
    for (const [originId, lane] of offers) if (now() - lane.createdAt > LANE_USABLE_MS) offers.delete(originId);
  }

  return {
    offer(originId, lane) {
      forgetStale();
      offers.set(originId, lane);
    },
    withdraw(originId) {
      offers.delete(originId);
    },
    take(originIds) {
      forgetStale();
      for (const originId of originIds) {
        const lane = offers.get(originId);
        if (lane === undefined) continue;
        offers.delete(originId);
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
 * A lane for an interaction: offered at once, acknowledged when `acknowledge()` is called (after the handler's own
 * answers). `withdraw()` takes it back (the interaction was refused).
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

/**
 * A public follow-up that the turn's first words come below: through the lanes' webhook client when there are lanes
 * (outside discord.js's global throttle), else through discord.js.
 */
export async function followUpPublicly(
  lanes: InteractionLanes | undefined,
  interaction: { applicationId: string; token: string; followUp(options: { content: string }): Promise<unknown> },
  content: string,
): Promise<void> {
  if (lanes === undefined) await interaction.followUp({ content });
  else await lanes.followUp(interaction, content);
}
