import {
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  type APIGuildMember,
  type APIGuildMemberNoUser,
  type GuildMemberFlags,
  type RoleFlags,
  type APIRole,
  type APITextChannel,
  type APIUser,
  type GatewayGuildCreateDispatchData,
} from 'discord-api-types/v10';
import { computeChannelPermissions } from './permissions.ts';
import { guildOf, type World, type WorldChannel, type WorldGuild, type WorldMember, type WorldRole, type WorldUser } from './world.ts';

export function toApiUser(user: WorldUser): APIUser {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.globalName,
    avatar: null,
    ...(user.bot ? { bot: true } : {}),
  };
}

export function toApiRole(role: WorldRole): APIRole {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managed,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
}

export function toApiMember(world: World, member: WorldMember): APIGuildMember {
  const user = world.users.get(member.userId);
  if (!user) throw new Error(`member ${member.userId} has no user`);
  return {
    user: toApiUser(user),
    nick: null,
    avatar: null,
    banner: null,
    roles: [...member.roleIds],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
  };
}

// Message events carry the author's member without its user (the user is the message's author).
export function memberWithoutUser(world: World, guild: WorldGuild, userId: string): APIGuildMemberNoUser | undefined {
  const member = guild.members.get(userId);
  if (!member) return undefined;
  const { user: _user, ...rest } = toApiMember(world, member);
  return { ...rest, joined_at: member.joinedAt };
}

export function toApiChannel(channel: WorldChannel): APITextChannel {
  return {
    id: channel.id,
    type: ChannelType.GuildText,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    permission_overwrites: channel.overwrites.map((overwrite) => ({
      id: overwrite.id,
      type: overwrite.type,
      allow: overwrite.allow.toString(),
      deny: overwrite.deny.toString(),
    })),
    parent_id: null,
    topic: channel.topic,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
  };
}

export function memberChannelPermissions(world: World, userId: string, channel: WorldChannel): bigint {
  const guild = guildOf(world, channel);
  const member = guild.members.get(userId);
  return computeChannelPermissions({
    guildId: guild.id,
    ownerId: guild.ownerId,
    userId,
    roleIds: member?.roleIds ?? [],
    rolePermissions: (roleId) => guild.roles.get(roleId)?.permissions ?? 0n,
    overwrites: channel.overwrites,
  });
}

// Without the privileged Guild Members intent Discord lists only the bot itself (and voice members) here, so the
// bot cannot come to rely on a member cache it would not have in production.
export function guildCreatePayload(world: World, guild: WorldGuild, includeAllMembers: boolean): GatewayGuildCreateDispatchData {
  const members = [...guild.members.values()].filter((member) => includeAllMembers || member.userId === world.bot.id);
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    region: 'europe',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: GuildVerificationLevel.Low,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: [...guild.roles.values()].map(toApiRole),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotifications,
    rules_channel_id: null,
    max_members: 500_000,
    vanity_url_code: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: 'en-US' as GatewayGuildCreateDispatchData['preferred_locale'],
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    incidents_data: null,
    hub_type: null,
    joined_at: guild.createdAt,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: members.map((member) => toApiMember(world, member)),
    channels: [...world.channels.values()].filter((channel) => channel.guildId === guild.id).map(toApiChannel),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
