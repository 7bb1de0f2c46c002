import { escapeMarkdown, REST, RESTEvents, Routes, type Client } from 'discord.js';
import { WITHDRAWN_TEXT, type PresenterFactory, type RoundStatus } from '../campaign/presenter.ts';
import type { Logger } from '../logger.ts';
import { buildRetiredOptionRows } from './render/disable-buttons.ts';
import type { ScheduledMessage } from './render/channel-write-scheduler.ts';
import { createMessagePort, type MessagePayload, type RenderChannel } from './render/discord-message-port.ts';
import { GLOBAL_GATE_SHARE, GLOBAL_GATE_WINDOW_MS, MESSAGE_CONTENT_LIMIT, MESSAGE_SPLIT_SIZE } from '../constants.ts';
import { buildOptionRow } from './render/option-buttons.ts';
import { splitText } from './render/split-text.ts';
import { createGlobalWriteGate } from './render/global-write-gate.ts';
import { createChannelWriteScheduler, type ChannelWriteScheduler } from './render/channel-write-scheduler.ts';
import type { InteractionLanes } from './render/interaction-lanes.ts';
import { createLaneChannel } from './render/lane-channel.ts';
import { createSchedulerRegistry } from './render/scheduler-registry.ts';
import { createTurnRenderer, WRITING_MARK } from './render/turn-renderer.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** A note behind text, within Discord's limit: the text gives way (shortened at its end), never the note. */
function joinWithin(text: string, note: string): string {
  const room = MESSAGE_CONTENT_LIMIT - note.length - 2;
  const kept = text.length > room ? `${text.slice(0, Math.max(room - 1, 0))}…` : text;
  return kept === '' ? note : `${kept}\n\n${note}`;
}

/**
 * An interaction webhook's bucket: Discord allows 5 writes per 2 s per token; the window is stretched a little so a
 * clock a few milliseconds apart from Discord's never meets a 429.
 */
const LANE_BUDGET = 5;
const LANE_WINDOW_MS = 2250;
/** A lane's scheduler is let go once idle after this (a turn is over well within it). */
const LANE_FORGET_AFTER_MS = 10 * 60 * 1000;

/** The note the turn renderer puts behind a turn it interrupted (see turn-renderer.ts). */
const INTERRUPTION_NOTE = /\*\(interrupted — [^\n]*\)\*$/u;

export type DiscordPresenters = PresenterFactory & {
  /** Resolves when every channel's writes have landed, or after `timeoutMs` (used at shutdown). */
  drain(timeoutMs: number): Promise<void>;
};

/**
 * The campaign runner's view of Discord. Every write of a channel (turn text, notices, disabled buttons) goes
 * through that channel's one scheduler, so together they never overrun the channel's budget.
 */
export function createDiscordPresenters(input: {
  client: Client;
  logger: Logger;
  editIntervalMs: number;
  globalRequestsPerSecond: number;
  /** Writes per turn and final-text lag, recorded by each turn's renderer. Absent: not measured. */
  metrics?: Pick<Metrics, 'turnWrites' | 'finalTextLag'> | undefined;
  /** Interactions offered to carry the turn they start (interaction-lanes.ts), and the REST client for their webhooks. */
  lanes?: { offers: InteractionLanes; webhooks: REST } | undefined;
}): DiscordPresenters {
  const { client, logger } = input;
  /** Schedulers of turns streaming through an interaction's webhook, until they are idle (drained at shutdown). */
  const laneSchedulers = new Set<ChannelWriteScheduler>();
  const gate = createGlobalWriteGate({ perSecond: Math.floor(input.globalRequestsPerSecond * GLOBAL_GATE_SHARE), windowMs: GLOBAL_GATE_WINDOW_MS });
  const schedulers = createSchedulerRegistry({ logger, editIntervalMs: input.editIntervalMs, gate });
  const usedChannels = new Set<string>();
  /** Each channel's round status line while its round waits. */
  const roundLines = new Map<string, ScheduledMessage<MessagePayload>>();

  // Discord's own count of the channel bucket reaches every scheduler, so writes made before a restart, within the
  // same 5 s, are respected too (our own count starts empty with the process).
  client.rest.on(RESTEvents.Response, (request, response) => {
    const channelId = /^\/channels\/(\d+)\/messages/.exec(request.path)?.[1];
    if (channelId === undefined) return;
    const remaining = Number(response.headers.get('x-ratelimit-remaining'));
    const resetAfterSeconds = Number(response.headers.get('x-ratelimit-reset-after'));
    if (!Number.isFinite(remaining) || !Number.isFinite(resetAfterSeconds)) return;
    schedulers.getScheduler(channelId).observeBucket({ remaining, resetAfterMs: resetAfterSeconds * 1000 });
  });

  function channelFor(channelId: string): RenderChannel {
    const channel = client.channels.cache.get(channelId);
    if (channel === undefined || !channel.isSendable() || !('messages' in channel)) {
      throw new Error(`channel ${channelId} is not a cached text channel`);
    }
    usedChannels.add(channelId);
    return channel as unknown as RenderChannel;
  }

  return {
    create({ channelId, turnId, streaming, onMessageCreated, origins }) {
      const channel = channelFor(channelId);
      const lane = input.lanes?.offers.take(origins ?? []);
      const turnLogger = logger.child({ channelId, turnId });
      // A turn started by an interaction streams through its webhook: its own bucket, outside the global limit, so no
      // shared gate; the channel's budget stays for everything else written there meanwhile.
      const laneScheduler =
        lane === undefined || input.lanes === undefined
          ? undefined
          : createChannelWriteScheduler({ logger: turnLogger, editIntervalMs: input.editIntervalMs, budget: LANE_BUDGET, windowMs: LANE_WINDOW_MS });
      if (laneScheduler !== undefined) {
        laneSchedulers.add(laneScheduler);
        const forget = () => void laneScheduler.whenIdle().then(() => laneSchedulers.delete(laneScheduler));
        setTimeout(forget, LANE_FORGET_AFTER_MS).unref();
      }
      return createTurnRenderer({
        channel: lane === undefined || input.lanes === undefined ? channel : createLaneChannel({ channel, lane, webhooks: input.lanes.webhooks, logger: turnLogger }),
        scheduler: laneScheduler ?? schedulers.getScheduler(channelId),
        turnId,
        streaming,
        logger: logger.child({ channelId, turnId }),
        gate,
        onMessageCreated,
        ...(input.metrics === undefined ? {} : { metrics: input.metrics }),
      });
    },

    retireOptions(optionSet) {
      try {
        const components = buildRetiredOptionRows(optionSet.turnId, optionSet.options, optionSet.chosen, optionSet.checks);
        const port = createMessagePort(channelFor(optionSet.channelId));
        const message = schedulers.getScheduler(optionSet.channelId).existingMessage(port, optionSet.messageId);
        // Low priority: the new turn's text comes first. A click on a stale button meanwhile still gets a fair answer
        // (queued for the next turn, or "that choice has passed").
        void message.write({ components }, 'background');
      } catch (error) {
        logger.warn({ err: error, turnId: optionSet.turnId }, 'could not disable the buttons of an old turn');
      }
    },

    restoreOptions(optionSet) {
      try {
        const row = buildOptionRow(optionSet.turnId, optionSet.options, optionSet.checks);
        const port = createMessagePort(channelFor(optionSet.channelId));
        const message = schedulers.getScheduler(optionSet.channelId).existingMessage(port, optionSet.messageId);
        void message.write({ components: row === null ? [] : [row] }, 'background');
      } catch (error) {
        logger.warn({ err: error, turnId: optionSet.turnId }, 'could not bring back the buttons of a turn');
      }
    },

    async markMessages({ channelId, messageIds, note }) {
      const channel = channelFor(channelId);
      const discordChannel = client.channels.cache.get(channelId);
      if (discordChannel === undefined || !discordChannel.isTextBased()) return;
      const scheduler = schedulers.getScheduler(channelId);
      const port = createMessagePort(channel);
      const mark = `*(${note})*`;
      for (const [index, messageId] of messageIds.entries()) {
        try {
          const message = await discordChannel.messages.fetch(messageId);
          const text = message.content.replace(WRITING_MARK, '').trimEnd();
          // Only the turn's last message gets the note: earlier ones are complete parts of the text. A turn stopped by a
          // clean shutdown already carries its own note; a second one would only repeat it.
          const isLast = index === messageIds.length - 1;
          const alreadyMarked = !isLast || text.endsWith(mark) || (note.startsWith('interrupted') && INTERRUPTION_NOTE.test(text));
          const content = alreadyMarked ? text : joinWithin(text, mark);
          if (content === message.content && message.components.length === 0) continue;
          await scheduler.existingMessage(port, messageId).write({ content, components: [] }, 'final');
        } catch (error) {
          logger.warn({ err: error, channelId, messageId }, 'could not mark a message of a turn');
        }
      }
    },

    async withdrawMessages({ channelId, messageIds }) {
      const channel = channelFor(channelId);
      const scheduler = schedulers.getScheduler(channelId);
      const port = createMessagePort(channel);
      const [first, ...others] = messageIds;
      if (first !== undefined) await scheduler.existingMessage(port, first).write({ content: WITHDRAWN_TEXT, components: [] }, 'final');
      // Rare (a turn longer than one message); a deleted message needs no more of the channel's budget than an edit.
      for (const messageId of others) {
        await client.rest.delete(Routes.channelMessage(channelId, messageId)).catch((error: unknown) => {
          logger.warn({ err: error, channelId, messageId }, 'could not delete a message of a withdrawn turn');
        });
      }
    },

    showRoundStatus({ channelId, status }) {
      try {
        const port = createMessagePort(channelFor(channelId));
        const scheduler = schedulers.getScheduler(channelId);
        const known = roundLines.get(channelId);
        // One line per round: posted once, then edited; a round that ends leaves its line saying how.
        const waiting = status.state === 'waiting';
        if (!waiting && known === undefined) return;
        const line = known ?? scheduler.newMessage(port);
        if (waiting) roundLines.set(channelId, line);
        else roundLines.delete(channelId);
        void line.write({ content: roundLine(status), components: [] }, 'partial').catch(() => undefined);
      } catch (error) {
        logger.warn({ err: error, channelId }, 'could not show the round status');
      }
    },

    async post(channelId, text) {
      const port = createMessagePort(channelFor(channelId));
      const scheduler = schedulers.getScheduler(channelId);
      const messageIds: string[] = [];
      for (const piece of splitText(text, MESSAGE_SPLIT_SIZE)) {
        const message = scheduler.newMessage(port);
        await message.write({ content: piece, components: [] }, 'final');
        if (message.id !== undefined) messageIds.push(message.id);
      }
      return { messageIds };
    },

    async notice(channelId, text) {
      const port = createMessagePort(channelFor(channelId));
      await schedulers.getScheduler(channelId).newMessage(port).write({ content: text, components: [] }, 'final');
    },

    async drain(timeoutMs) {
      // Bounded: a stop must end within the service manager's patience, and what may still wait here is at most the
      // disabling of old buttons, which a click on them answers politely anyway.
      const channels = [...[...usedChannels].map((channelId) => schedulers.getScheduler(channelId)), ...laneSchedulers];
      for (const scheduler of channels) scheduler.hurry();
      const idle = Promise.all(channels.map((scheduler) => scheduler.whenIdle()));
      await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
  };
}

function roundLine(status: RoundStatus): string {
  const names = (members: string[]): string => members.map((name) => escapeMarkdown(name)).join(', ');
  switch (status.state) {
    case 'waiting':
      return `⏳ *The round waits for: ${names(status.waitingFor)}*`;
    case 'answered':
      return status.missing.length === 0 ? '✅ *Everyone is in: the DM answers the round.*' : `⌛ *Time is up: the DM answers the round without ${names(status.missing)}.*`;
    case 'closed':
      return '⏹️ *The round is closed.*';
  }
}
