import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageFlags, type APIApplicationCommand, type APITextChannel, type APIUser } from 'discord-api-types/v10';
import { createClock } from './clock.ts';
import { createCommandRegistry } from './commands.ts';
import { createGateway, type GatewayCloseOptions } from './gateway/gateway-server.ts';
import type { GatewaySessionInfo } from './gateway/gateway-session.ts';
import { createRequestHandler } from './http-server.ts';
import type { SlashCommandInput } from './interaction-payloads.ts';
import { createInteractionRegistry } from './interactions.ts';
import { createMessageStore } from './message-store.ts';
import { resolveOptions, type DiscordEmulatorOptions } from './options.ts';
import { toApiChannel, toApiUser } from './payloads.ts';
import { createGlobalLimiter, createRateLimiter } from './rate-limits.ts';
import type { ForcedFailure, RecordedRequest } from './request-log.ts';
import { applicationRoutes } from './routes/application-routes.ts';
import { channelMessageRoutes } from './routes/channel-message-routes.ts';
import { interactionCallbackRoute } from './routes/interaction-callback-route.ts';
import { interactionWebhookRoutes } from './routes/interaction-webhook-routes.ts';
import { snapshotMessage, viewInteraction, type InteractionView, type MessageSnapshot } from './snapshots.ts';
import { createSnowflakeSource } from './snowflakes.ts';
import type { EmulatorState } from './state.ts';
import { createTestActions, type ButtonClickInput, type InteractionHandle, type UserMessageInput } from './test-actions.ts';
import { createChangeSignal, type WaitOptions } from './wait-for.ts';
import { addGuild, createWorld, describeChannelReference, findChannel, type ChannelReference, type RoleKeys, type WorldGuild } from './world.ts';

export type AcknowledgementDelay = {
  interactionId: string;
  kind: 'command' | 'component';
  name: string | null;
  callbackType: number | null;
  // From the INTERACTION_CREATE dispatch to the accepted callback; null while unacknowledged.
  delayMs: number | null;
};

// A guild as tests see it. Every guild has the same users as members, with the same roles by key.
export type EmulatedGuild = {
  id: string;
  name: string;
  // Text channels by name.
  channels: Record<string, APITextChannel>;
  roles: RoleKeys;
};

export type DiscordEmulator = {
  // What goes into DISCORD_API_URL (the discord.js `rest.api` option).
  apiUrl: string;
  gatewayUrl: string;
  token: string;
  applicationId: string;
  bot: APIUser;
  // The default guild, its channels and roles.
  guild: { id: string; name: string };
  // Text channels by name.
  channels: Record<string, APITextChannel>;
  // Every guild, the default one first, then those of the `guilds` option in order.
  guilds: EmulatedGuild[];
  // Users by key: bot, owner, gm (Manage Server), gmByRole (GM role only), and the players (alice, bob, carol).
  users: Record<string, APIUser>;
  roles: { everyone: string; gm: string; moderator: string; bot: string };
  // Every request, in arrival order (live array).
  requests: RecordedRequest[];
  clock: { now(): number; advance(milliseconds: number): void };

  userMessage(input: UserMessageInput): MessageSnapshot;
  deleteMessage(messageId: string): void;
  slashCommand(input: SlashCommandInput): InteractionHandle;
  clickButton(input: ButtonClickInput): InteractionHandle;

  messages(channel: ChannelReference, options?: { includeEphemeral?: boolean; includeDeleted?: boolean }): MessageSnapshot[];
  message(messageId: string): MessageSnapshot | undefined;
  interactionReplies(interactionId: string): InteractionView;
  acknowledgementDelays(): AcknowledgementDelay[];
  commands(guildId?: string | null): APIApplicationCommand[];

  failNext(failure: ForcedFailure): void;
  denyBotPermissions(channel: ChannelReference, options?: { hide?: boolean }): void;
  restoreBotPermissions(channel: ChannelReference): void;
  closeGateway(code?: number, options?: GatewayCloseOptions): Promise<void>;
  gatewaySessions(): GatewaySessionInfo[];

  waitFor<T>(check: () => T, options?: WaitOptions): Promise<Exclude<T, false | null | undefined>>;
  waitForMessage(channel: ChannelReference, predicate?: (message: MessageSnapshot) => boolean, options?: WaitOptions): Promise<MessageSnapshot>;
  waitForRequest(predicate: (request: RecordedRequest) => boolean, options?: WaitOptions): Promise<RecordedRequest>;
  // Resolves once a client has identified (READY and GUILD_CREATE are on their way) and is connected; with `shard`,
  // a session identified with exactly that [shard_id, shard_count].
  waitForGatewaySession(options?: WaitOptions & { shard?: [number, number] }): Promise<GatewaySessionInfo>;

  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const resolved = resolveOptions(options);
  const clock = createClock();
  const nextId = createSnowflakeSource(clock);
  const world = createWorld(
    {
      botUsername: resolved.botUsername,
      guildName: resolved.guildName,
      channelNames: resolved.channels,
      playerNames: resolved.players,
      guildShard: resolved.guildShard,
    },
    nextId,
    clock,
  );
  for (const spec of resolved.guilds) addGuild(world, spec, nextId, clock);
  const signal = createChangeSignal();
  const state: EmulatorState = {
    options: resolved,
    clock,
    nextId,
    world,
    messages: createMessageStore(world, clock, nextId),
    commands: createCommandRegistry(nextId, world.applicationId),
    interactions: createInteractionRegistry(),
    rateLimiter: createRateLimiter(clock),
    globalLimiter: createGlobalLimiter(clock, resolved.globalPerSecond),
    requests: [],
    forcedFailures: [],
    changed: () => signal.notify(),
  };

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const gateway = createGateway(state, server, `ws://127.0.0.1:${port}`);
  const routes = [
    ...applicationRoutes(state, gateway),
    ...channelMessageRoutes(state, gateway),
    interactionCallbackRoute(state, gateway),
    ...interactionWebhookRoutes(state, gateway),
  ];
  const handleRequest = createRequestHandler(state, routes);
  server.on('request', (request, response) => {
    handleRequest(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  const actions = createTestActions(state, gateway, signal.waitFor);
  const users = Object.fromEntries(
    [...world.userKeys].flatMap(([key, id]) => {
      const user = world.users.get(id);
      return user ? [[key, toApiUser(user)]] : [];
    }),
  );
  const channelsOf = (guild: WorldGuild): Record<string, APITextChannel> =>
    Object.fromEntries([...world.channels.values()].filter((channel) => channel.guildId === guild.id).map((channel) => [channel.name, toApiChannel(channel)]));
  const channels = channelsOf(world.guild);
  const guilds = [...world.guilds.values()].map((guild) => ({ id: guild.id, name: guild.name, channels: channelsOf(guild), roles: guild.roleKeys }));

  const messages: DiscordEmulator['messages'] = (channel, filter = {}) =>
    state.messages
      .inChannel(findChannel(world, channel).id)
      .filter((message) => filter.includeEphemeral || (message.flags & MessageFlags.Ephemeral) === 0)
      .filter((message) => filter.includeDeleted !== false || message.deletedAt === null)
      .map(snapshotMessage);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await gateway.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: gateway.url,
    token: resolved.token,
    applicationId: world.applicationId,
    bot: toApiUser(world.bot),
    guild: { id: world.guild.id, name: world.guild.name },
    channels,
    guilds,
    users,
    roles: world.guild.roleKeys,
    requests: state.requests,
    clock,

    ...actions,

    messages,
    message(messageId) {
      const message = state.messages.get(messageId);
      return message ? snapshotMessage(message) : undefined;
    },
    interactionReplies(interactionId) {
      const record = state.interactions.get(interactionId);
      if (!record) throw new Error(`no interaction ${interactionId}`);
      return viewInteraction(state, record);
    },
    acknowledgementDelays: () =>
      state.interactions.all().map((record) => ({
        interactionId: record.id,
        kind: record.customId === null ? 'command' : 'component',
        name: record.commandName ?? record.customId,
        callbackType: record.acknowledgement?.type ?? null,
        delayMs: record.acknowledgement ? record.acknowledgement.at - record.dispatchedAt : null,
      })),
    commands: (guildId = null) => state.commands.list(guildId),

    failNext(failure) {
      const method = failure.method.toUpperCase();
      // A typo in the template would otherwise make the failure silently never happen.
      if (!routes.some((route) => route.method === method && route.template === failure.route)) {
        const known = routes.map((route) => `${route.method} ${route.template}`).join('\n  ');
        throw new Error(`failNext: no route ${method} ${failure.route}; known routes:\n  ${known}`);
      }
      state.forcedFailures.push({ ...failure, method });
    },
    closeGateway: (code = 4000, closeOptions) => gateway.close(code, closeOptions),
    gatewaySessions: () => gateway.sessions(),

    waitFor: signal.waitFor,
    waitForMessage: (channel, predicate = () => true, waitOptions) =>
      signal.waitFor(() => messages(channel).find((message) => !message.deleted && predicate(message)), {
        description: `a message in ${describeChannelReference(channel)} matching ${predicate.toString()}`,
        ...waitOptions,
      }),
    waitForRequest: (predicate, waitOptions) =>
      signal.waitFor(() => state.requests.find(predicate), { description: `a request matching ${predicate.toString()}`, ...waitOptions }),
    waitForGatewaySession: ({ shard, ...waitOptions } = {}) =>
      signal.waitFor(
        () =>
          gateway
            .sessions()
            .find(
              (session) =>
                session.connected && !session.invalidated && (!shard || (session.shard?.[0] === shard[0] && session.shard[1] === shard[1])),
            ),
        { description: shard ? `a connected gateway session of shard [${shard.join(', ')}]` : 'a connected gateway session', ...waitOptions },
      ),

    stop,
    [Symbol.asyncDispose]: stop,
  };
}
