import { randomBytes } from 'node:crypto';
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  InteractionType,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  type APIApplicationCommand,
} from 'discord-api-types/v10';
import type { Gateway } from './gateway/gateway-server.ts';
import { buildButtonPayload, buildSlashCommandPayload, type SlashCommandInput } from './interaction-payloads.ts';
import type { InteractionRecord } from './interactions.ts';
import { dispatchMessageCreate, dispatchMessageDelete } from './message-dispatch.ts';
import { channelWritePermissions, mayUseCommand } from './permissions.ts';
import { memberChannelPermissions, toApiChannel } from './payloads.ts';
import { buttonsOf, snapshotMessage, viewInteraction, type InteractionView, type MessageSnapshot } from './snapshots.ts';
import type { EmulatorState } from './state.ts';
import type { WaitOptions } from './wait-for.ts';
import { findChannel, findUser, guildOf, type ChannelReference, type UserReference, type WorldChannel, type WorldUser } from './world.ts';

export type UserMessageInput = { channel: ChannelReference; user: UserReference; content: string; replyTo?: string };

export type ButtonClickInput = { channel?: ChannelReference; user: UserReference; messageId: string; customId: string };

export type InteractionHandle = {
  id: string;
  token: string;
  payload: InteractionRecord['payload'];
  // What the user has seen so far.
  view(): InteractionView;
  // Resolves once the interaction was acknowledged (any callback type).
  acknowledged(options?: WaitOptions): Promise<InteractionView>;
  // Resolves once `until` holds; by default once the user sees an answer: a reply that is no longer "thinking…",
  // an updated message, or a follow-up.
  reply(until?: (view: InteractionView) => boolean, options?: WaitOptions): Promise<InteractionView>;
};

type Waiter = <T>(check: () => T, options?: WaitOptions) => Promise<Exclude<T, false | null | undefined>>;

const answered = (view: InteractionView): boolean => {
  if (!view.acknowledgement) return false;
  if (view.followUps.length > 0) return true;
  const original = view.original;
  if (!original || original.loading) return false;
  // A component's original is the clicked message: it counts once it changed after the click.
  return view.kind === 'command' || (original.editedAt ?? original.createdAt) >= view.dispatchedAt || view.acknowledgement.type === 7;
};

export function createTestActions(state: EmulatorState, gateway: Gateway, waitFor: Waiter) {
  const world = state.world;

  const handleFor = (record: InteractionRecord): InteractionHandle => {
    const view = () => viewInteraction(state, record);
    return {
      id: record.id,
      token: record.token,
      payload: record.payload,
      view,
      acknowledged: (options) =>
        waitFor(() => (record.acknowledgement ? view() : null), { description: `acknowledgement of interaction ${record.id}`, ...options }),
      reply: (until = answered, options) =>
        waitFor(
          () => {
            const current = view();
            return until(current) ? current : null;
          },
          { description: `reply to interaction ${record.id}`, ...options },
        ),
    };
  };

  const dispatchInteraction = (record: InteractionRecord): void => {
    state.interactions.add(record);
    record.dispatchedAt = state.clock.now();
    // Interactions reach the bot whatever its intents.
    gateway.dispatch(GatewayDispatchEvents.InteractionCreate, findChannel(world, record.channelId).guildId, () => record.payload);
  };

  // The Discord client offers only registered commands, and of those only the ones the member may use there: a test
  // cannot send what a real member could not (as clickButton refuses a disabled button).
  const usableCommand = (name: string, user: WorldUser, channel: WorldChannel): APIApplicationCommand => {
    const command = state.commands.find(name, channel.guildId);
    if (!command) {
      throw new Error(
        `/${name} is not registered (neither in ${guildOf(world, channel).name} nor globally): the Discord client could not send it; register the commands first (a bulk PUT, as deploy-commands does)`,
      );
    }
    const required = command.default_member_permissions;
    if (!mayUseCommand(required, memberChannelPermissions(world, user.id, channel))) {
      const rule = required === '0' ? 'is for administrators only (default_member_permissions "0")' : `requires default_member_permissions ${required}`;
      throw new Error(`/${name} ${rule}, which ${user.username} lacks in #${channel.name}: Discord would hide the command from that member`);
    }
    return command;
  };

  const newIds = () => ({ id: state.nextId(), token: `aW50ZXJhY3Rpb24${randomBytes(48).toString('base64url')}` });

  return {
    userMessage(input: UserMessageInput): MessageSnapshot {
      const channel = findChannel(world, input.channel);
      const user = findUser(world, input.user);
      const message = state.messages.create({
        channelId: channel.id,
        authorId: user.id,
        content: input.content,
        type: input.replyTo ? MessageType.Reply : MessageType.Default,
        referencedMessageId: input.replyTo ?? null,
      });
      dispatchMessageCreate(state, gateway, message);
      return snapshotMessage(message);
    },

    // Someone with Manage Messages (or the author) deletes a message; the bot gets MESSAGE_DELETE.
    deleteMessage(messageId: string): void {
      const message = state.messages.get(messageId);
      if (!message || message.deletedAt !== null) throw new Error(`no live message ${messageId} to delete`);
      state.messages.markDeleted(message);
      dispatchMessageDelete(state, gateway, message);
    },

    slashCommand(input: SlashCommandInput): InteractionHandle {
      const user = findUser(world, input.user);
      const channel = findChannel(world, input.channel);
      const command = usableCommand(input.name, user, channel);
      const ids = newIds();
      const record: InteractionRecord = {
        ...ids,
        type: InteractionType.ApplicationCommand,
        commandName: input.name,
        customId: null,
        channelId: channel.id,
        userId: user.id,
        dispatchedAt: 0,
        acknowledgement: null,
        ephemeral: false,
        originalMessageId: null,
        sourceMessageId: null,
        followUpIds: [],
        refusedCallbacks: [],
        payload: buildSlashCommandPayload(state, input, command, ids),
      };
      dispatchInteraction(record);
      return handleFor(record);
    },

    clickButton(input: ButtonClickInput): InteractionHandle {
      const message = state.messages.get(input.messageId);
      if (!message || message.deletedAt !== null) throw new Error(`no live message ${input.messageId} to click on`);
      const channel = findChannel(world, input.channel ?? message.channelId);
      if (channel.id !== message.channelId) throw new Error(`message ${message.id} is not in #${channel.name}`);
      const button = buttonsOf(message.components).find((candidate) => candidate.customId === input.customId);
      if (!button) throw new Error(`message ${message.id} has no button with custom_id "${input.customId}"`);
      if (button.disabled) throw new Error(`the button "${input.customId}" is disabled: Discord would not let anyone click it`);
      const user = findUser(world, input.user);
      const ids = newIds();
      const record: InteractionRecord = {
        ...ids,
        type: InteractionType.MessageComponent,
        commandName: null,
        customId: input.customId,
        channelId: channel.id,
        userId: user.id,
        dispatchedAt: 0,
        acknowledgement: null,
        ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
        originalMessageId: message.id,
        sourceMessageId: message.id,
        followUpIds: [],
        refusedCallbacks: [],
        payload: buildButtonPayload(state, { channel, user, message: state.messages.toApi(message), customId: input.customId }, ids),
      };
      dispatchInteraction(record);
      return handleFor(record);
    },

    // Takes the bot's right to write in a channel away (as a server admin would), and tells the bot through
    // CHANNEL_UPDATE. Sends and typing there then fail with 50013; the bot's own messages can still be edited and
    // deleted, as on Discord. With `hide`, View Channel goes too: every request there fails with 50001.
    denyBotPermissions(reference: ChannelReference, options: { hide?: boolean } = {}): void {
      const channel = findChannel(world, reference);
      channel.overwrites = channel.overwrites.filter((overwrite) => overwrite.id !== world.bot.id);
      const deny = options.hide === true ? channelWritePermissions | PermissionFlagsBits.ViewChannel : channelWritePermissions;
      channel.overwrites.push({ id: world.bot.id, type: 1, allow: 0n, deny });
      gateway.dispatch(GatewayDispatchEvents.ChannelUpdate, channel.guildId, (session) =>
        (session.intents & GatewayIntentBits.Guilds) === 0 ? null : toApiChannel(channel),
      );
    },

    restoreBotPermissions(reference: ChannelReference): void {
      const channel = findChannel(world, reference);
      channel.overwrites = channel.overwrites.filter((overwrite) => overwrite.id !== world.bot.id);
      gateway.dispatch(GatewayDispatchEvents.ChannelUpdate, channel.guildId, (session) =>
        (session.intents & GatewayIntentBits.Guilds) === 0 ? null : toApiChannel(channel),
      );
    },
  };
}
