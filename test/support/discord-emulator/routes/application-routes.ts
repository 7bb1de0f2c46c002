import { ApplicationFlags } from 'discord-api-types/v10';
import { discordError } from '../discord-errors.ts';
import type { Gateway } from '../gateway/gateway-server.ts';
import { guildCreatePayload, toApiChannel, toApiMember, toApiRole, toApiUser } from '../payloads.ts';
import { routeTemplates } from '../route-templates.ts';
import type { Route, RouteRequest } from '../router.ts';
import type { EmulatorState } from '../state.ts';
import type { WorldGuild } from '../world.ts';
import { param } from './route-guards.ts';

// Login, identity, command registration and the few guild reads a bot makes.
export function applicationRoutes(state: EmulatorState, gateway: Gateway): Route[] {
  const world = state.world;

  const requireApplication = (request: RouteRequest): void => {
    if (param(request, 'applicationId') !== world.applicationId) throw discordError('unknownApplication');
  };
  const requireGuild = (request: RouteRequest): WorldGuild => {
    const guild = world.guilds.get(param(request, 'guildId'));
    if (!guild) throw discordError('unknownGuild');
    return guild;
  };
  const applicationFlags =
    (state.options.messageContentIntentEnabled ? ApplicationFlags.GatewayMessageContentLimited : 0) |
    (state.options.guildMembersIntentEnabled ? ApplicationFlags.GatewayGuildMembersLimited : 0);

  return [
    {
      // The only REST call of client.login(): where the gateway is and how many sessions may start (notes B.2).
      method: 'GET',
      template: routeTemplates.gatewayBot,
      authenticated: true,
      handle: () => ({
        status: 200,
        body: {
          url: gateway.url,
          shards: state.options.recommendedShards,
          session_start_limit: {
            total: 1000,
            remaining: 1000 - gateway.sessions().length,
            reset_after: 14_400_000,
            max_concurrency: state.options.maxConcurrency,
          },
        },
      }),
    },
    {
      method: 'GET',
      template: routeTemplates.currentUser,
      authenticated: true,
      handle: () => ({ status: 200, body: { ...toApiUser(world.bot), verified: true, mfa_enabled: false } }),
    },
    {
      method: 'GET',
      template: routeTemplates.user,
      authenticated: true,
      handle(request) {
        const user = world.users.get(param(request, 'userId'));
        if (!user) throw discordError('unknownUser');
        return { status: 200, body: toApiUser(user) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.currentApplication,
      authenticated: true,
      handle: () => ({
        status: 200,
        body: {
          id: world.applicationId,
          name: world.bot.username,
          icon: null,
          description: '',
          summary: '',
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          team: null,
          flags: applicationFlags,
          approximate_guild_count: world.guilds.size,
          bot: toApiUser(world.bot),
          owner: toApiUser(world.users.get(world.guild.ownerId) ?? world.bot),
        },
      }),
    },
    {
      method: 'PUT',
      template: routeTemplates.globalCommands,
      authenticated: true,
      handle(request) {
        requireApplication(request);
        return { status: 200, body: state.commands.overwrite(null, request.body) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.globalCommands,
      authenticated: true,
      handle(request) {
        requireApplication(request);
        return { status: 200, body: state.commands.list(null) };
      },
    },
    {
      method: 'PUT',
      template: routeTemplates.guildCommands,
      authenticated: true,
      handle(request) {
        requireApplication(request);
        return { status: 200, body: state.commands.overwrite(requireGuild(request).id, request.body) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.guildCommands,
      authenticated: true,
      handle(request) {
        requireApplication(request);
        return { status: 200, body: state.commands.list(requireGuild(request).id) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.guild,
      authenticated: true,
      handle(request) {
        const target = requireGuild(request);
        const {
          joined_at: _joinedAt,
          large: _large,
          unavailable: _unavailable,
          member_count: _memberCount,
          voice_states: _voiceStates,
          members: _members,
          channels: _channels,
          threads: _threads,
          presences: _presences,
          stage_instances: _stageInstances,
          guild_scheduled_events: _events,
          soundboard_sounds: _sounds,
          ...guild
        } = guildCreatePayload(world, target, false);
        return { status: 200, body: guild };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.guildChannels,
      authenticated: true,
      handle(request) {
        const guild = requireGuild(request);
        const channels = [...world.channels.values()].filter((channel) => channel.guildId === guild.id);
        return { status: 200, body: channels.map(toApiChannel) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.guildRoles,
      authenticated: true,
      handle(request) {
        return { status: 200, body: [...requireGuild(request).roles.values()].map(toApiRole) };
      },
    },
    {
      method: 'GET',
      template: routeTemplates.guildMember,
      authenticated: true,
      handle(request) {
        const member = requireGuild(request).members.get(param(request, 'userId'));
        if (!member) throw discordError('unknownMember');
        return { status: 200, body: toApiMember(world, member) };
      },
    },
  ];
}
