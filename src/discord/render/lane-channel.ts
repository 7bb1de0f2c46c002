import { DiscordAPIError, RESTJSONErrorCodes, Routes, type APIMessage, type MessageCreateOptions, type MessageEditOptions, type REST } from 'discord.js';
import type { Logger } from '../../logger.ts';
import type { RenderChannel } from './discord-message-port.ts';
import { LANE_USABLE_MS, type InteractionLane } from './interaction-lanes.ts';

// A turn's channel as its renderer sees it, writing through an interaction's webhook (interaction-lanes.ts): sends
// become follow-ups and edits go to the follow-up's webhook route, outside the bot's global limit. Whatever the lane
// cannot do goes by the channel, from then on for the whole turn: a token past its usable age, a webhook Discord no
// longer knows (10015) or a token it refuses (50027), an interaction not acknowledged in time. A follow-up is the
// bot's own message in the channel, so the channel routes can edit it (and later mark it, retire its buttons).
// Typing always goes by the channel: it has no webhook route.

/** How long the first write waits for the interaction's acknowledgement before it goes by the channel instead. */
const ACKNOWLEDGEMENT_WAIT_MS = 2000;

const laneGoneCodes: ReadonlySet<number> = new Set([RESTJSONErrorCodes.UnknownWebhook, RESTJSONErrorCodes.InvalidWebhookToken]);

export function createLaneChannel(input: { channel: RenderChannel; lane: InteractionLane; webhooks: REST; logger: Logger }): RenderChannel {
  const { channel, lane, webhooks, logger } = input;
  let usable = true;
  let acknowledged = false;

  async function laneOpen(): Promise<boolean> {
    if (!usable) return false;
    if (Date.now() - lane.createdAt > LANE_USABLE_MS) return leave('the interaction token is too old');
    if (!acknowledged) {
      acknowledged = await Promise.race([lane.acknowledged.then(() => true), sleep(ACKNOWLEDGEMENT_WAIT_MS).then(() => false)]);
      if (!acknowledged) return leave('the interaction was not acknowledged in time');
    }
    return usable;
  }

  function leave(reason: string, error?: unknown): false {
    if (usable) logger.info({ reason, err: error }, "the turn goes on through the channel instead of the interaction's webhook");
    usable = false;
    return false;
  }

  /** Whether a failed webhook write means the lane is gone (then the write is made by the channel). */
  function laneGone(error: unknown): boolean {
    if (error instanceof DiscordAPIError && typeof error.code === 'number' && laneGoneCodes.has(error.code)) {
      leave('Discord refused the interaction webhook', error);
      return true;
    }
    return false;
  }

  return {
    id: channel.id,
    sendTyping: () => channel.sendTyping(),
    async send(options: MessageCreateOptions) {
      if (await laneOpen()) {
        try {
          const message = (await webhooks.post(Routes.webhook(lane.applicationId, lane.token), {
            body: toBody(options),
            query: new URLSearchParams({ wait: 'true' }),
            auth: false,
          })) as APIMessage;
          return { id: message.id };
        } catch (error) {
          if (!laneGone(error)) throw error;
        }
      }
      return channel.send(options);
    },
    messages: {
      async edit(messageId: string, options: MessageEditOptions) {
        if (await laneOpen()) {
          try {
            await webhooks.patch(Routes.webhookMessage(lane.applicationId, lane.token, messageId), { body: toBody(options), auth: false });
            return;
          } catch (error) {
            if (!laneGone(error)) throw error;
          }
        }
        await channel.messages.edit(messageId, options);
      },
    },
  };
}

/** The renderer's payload in the API's own shape: the webhook routes take raw JSON, not discord.js options. */
function toBody(options: MessageCreateOptions | MessageEditOptions): Record<string, unknown> {
  return {
    ...(options.content === undefined || options.content === null ? {} : { content: options.content }),
    ...(options.components === undefined ? {} : { components: options.components }),
    // Model text must never ping anyone.
    allowed_mentions: { parse: [] },
  };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}
