import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionContextType,
  InteractionType,
  Locale,
  type APIApplicationCommand,
  type APIApplicationCommandInteractionDataBasicOption,
  type APIApplicationCommandInteractionDataOption,
  type APIChatInputApplicationCommandGuildInteraction,
  type APIInteractionDataResolved,
  type APIMessage,
  type APIMessageComponentGuildInteraction,
} from 'discord-api-types/v10';
import { sendableOptions } from './option-rules.ts';
import { memberChannelPermissions, toApiChannel, toApiMember, toApiRole, toApiUser } from './payloads.ts';
import type { EmulatorState } from './state.ts';
import { findChannel, findUser, guildOf, type ChannelReference, type WorldChannel, type WorldUser } from './world.ts';

export type SlashOptionValue = string | number | boolean | { id: string };

export type SlashCommandInput = {
  channel: ChannelReference;
  user: string | { id: string };
  name: string;
  subcommandGroup?: string;
  subcommand?: string;
  options?: Record<string, SlashOptionValue>;
};

type Envelope = {
  id: string;
  token: string;
  channel: WorldChannel;
  user: WorldUser;
};

// Everything discord.js reads unconditionally (notes B.3): `entitlements` (reduce), `authorizing_integration_owners`
// (index 0), `member.user`, and `channel.id` (not channel_id) for interaction.channelId.
function envelope(state: EmulatorState, { id, token, channel, user }: Envelope) {
  const world = state.world;
  const guild = guildOf(world, channel);
  const member = guild.members.get(user.id);
  if (!member) throw new Error(`${user.username} is not a member of ${guild.name}`);
  return {
    id,
    application_id: world.applicationId,
    token,
    version: 1 as const,
    guild_id: guild.id,
    guild: { id: guild.id, locale: Locale.EnglishUS, features: [] },
    channel_id: channel.id,
    channel: { ...toApiChannel(channel), permissions: memberChannelPermissions(world, user.id, channel).toString() },
    member: { ...toApiMember(world, member), user: toApiUser(user), permissions: memberChannelPermissions(world, user.id, channel).toString() },
    app_permissions: memberChannelPermissions(world, world.bot.id, channel).toString(),
    locale: Locale.EnglishUS,
    guild_locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: { '0': guild.id },
    context: InteractionContextType.Guild,
    attachment_size_limit: 10_485_760,
  };
}

// `registered` is the command as registered (slashCommand() dispatches no other).
export function buildSlashCommandPayload(
  state: EmulatorState,
  input: SlashCommandInput,
  registered: APIApplicationCommand,
  ids: { id: string; token: string },
): APIChatInputApplicationCommandGuildInteraction {
  const world = state.world;
  const channel = findChannel(world, input.channel);
  const user = findUser(world, input.user);

  const resolved: APIInteractionDataResolved = {};
  const leafOptions = sendableOptions(registered, input).map(({ definition, value }) =>
    toOption(state, channel, definition.name, value, definition.type, resolved),
  );

  let options: APIApplicationCommandInteractionDataOption[] = leafOptions;
  if (input.subcommand) options = [{ name: input.subcommand, type: ApplicationCommandOptionType.Subcommand, options: leafOptions }];
  if (input.subcommandGroup) {
    const subcommands = input.subcommand
      ? [{ name: input.subcommand, type: ApplicationCommandOptionType.Subcommand as const, options: leafOptions }]
      : [];
    options = [{ name: input.subcommandGroup, type: ApplicationCommandOptionType.SubcommandGroup, options: subcommands }];
  }

  return {
    ...envelope(state, { ...ids, channel, user }),
    type: InteractionType.ApplicationCommand,
    data: {
      id: registered.id,
      name: input.name,
      type: ApplicationCommandType.ChatInput,
      ...(registered.guild_id ? { guild_id: registered.guild_id } : {}),
      ...(options.length > 0 ? { options } : {}),
      ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
    },
  };
}

// Option values are typed from the registered command, not from how the value looks.
function toOption(
  state: EmulatorState,
  channel: WorldChannel,
  name: string,
  value: SlashOptionValue,
  type: ApplicationCommandOptionType,
  resolved: APIInteractionDataResolved,
): APIApplicationCommandInteractionDataBasicOption {
  const world = state.world;
  const guild = guildOf(world, channel);
  switch (type) {
    case ApplicationCommandOptionType.User:
    case ApplicationCommandOptionType.Mentionable: {
      const user = findUser(world, value as string | { id: string });
      const member = guild.members.get(user.id);
      resolved.users = { ...resolved.users, [user.id]: toApiUser(user) };
      if (member) {
        const { user: _user, ...memberWithoutUser } = toApiMember(world, member);
        resolved.members = {
          ...resolved.members,
          [user.id]: { ...memberWithoutUser, permissions: memberChannelPermissions(world, user.id, channel).toString() },
        };
      }
      return { name, type: ApplicationCommandOptionType.User, value: user.id };
    }
    case ApplicationCommandOptionType.Channel: {
      const target = findChannel(world, value as string | { id: string });
      const apiChannel = toApiChannel(target);
      resolved.channels = {
        ...resolved.channels,
        [target.id]: { id: target.id, name: target.name, type: apiChannel.type, permissions: memberChannelPermissions(world, world.bot.id, target).toString() },
      };
      return { name, type, value: target.id };
    }
    case ApplicationCommandOptionType.Role: {
      const id = typeof value === 'object' ? value.id : String(value);
      const role = guild.roles.get(id) ?? [...guild.roles.values()].find((candidate) => candidate.name === id);
      if (!role) throw new Error(`the emulator knows no role "${id}"`);
      resolved.roles = { ...resolved.roles, [role.id]: toApiRole(role) };
      return { name, type, value: role.id };
    }
    case ApplicationCommandOptionType.Boolean:
      return { name, type, value: Boolean(value) };
    case ApplicationCommandOptionType.Integer:
    case ApplicationCommandOptionType.Number:
      return { name, type, value: Number(value) };
    default:
      return { name, type: ApplicationCommandOptionType.String, value: String(typeof value === 'object' ? value.id : value) };
  }
}

// A component interaction carries the whole message with its components: discord.js builds interaction.message from it.
export function buildButtonPayload(
  state: EmulatorState,
  input: { channel: WorldChannel; user: WorldUser; message: APIMessage; customId: string },
  ids: { id: string; token: string },
): APIMessageComponentGuildInteraction {
  return {
    ...envelope(state, { ...ids, channel: input.channel, user: input.user }),
    type: InteractionType.MessageComponent,
    message: input.message,
    data: { custom_id: input.customId, component_type: ComponentType.Button },
  };
}
