import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  ApplicationFlags,
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  type GatewayGuildMembersChunkDispatchData,
  type GatewayReadyDispatchData,
} from 'discord-api-types/v10';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { asRecord, asString } from '../json-shapes.ts';
import { guildCreatePayload, toApiMember, toApiUser } from '../payloads.ts';
import type { EmulatorState } from '../state.ts';
import {
  describeSession,
  dispatchToSession,
  sendFrame,
  type GatewaySession,
  type GatewaySessionInfo,
} from './gateway-session.ts';
import { ownsGuild, parseShard } from './sharding.ts';

export type GatewayCloseOptions = {
  // Discord forgets the session after some closes (or when it decides so); the client must then IDENTIFY again.
  invalidateSession?: boolean;
};

export type Gateway = {
  url: string;
  // Every dispatch belongs to a guild, and reaches only the sessions whose shard owns that guild.
  dispatch(event: string, guildId: string, payloadFor: (session: GatewaySession) => unknown): void;
  close(code: number, options?: GatewayCloseOptions): Promise<void>;
  sessions(): GatewaySessionInfo[];
  stop(): Promise<void>;
};

const privilegedIntents = { messageContent: GatewayIntentBits.MessageContent, guildMembers: GatewayIntentBits.GuildMembers } as const;

export function createGateway(state: EmulatorState, server: Server, url: string): Gateway {
  const sessions: GatewaySession[] = [];
  const webSocketServer = new WebSocketServer({ noServer: true });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    webSocketServer.handleUpgrade(request, socket, head, (webSocket) => accept(webSocket, request));
  };
  server.on('upgrade', onUpgrade);

  const accept = (socket: WebSocket, request: IncomingMessage): void => {
    const query = new URL(request.url ?? '/', 'ws://localhost').searchParams;
    if (query.get('encoding') !== null && query.get('encoding') !== 'json') {
      socket.close(GatewayCloseCodes.DecodeError, 'only JSON encoding is emulated');
      return;
    }
    let session: GatewaySession | null = null;
    sendFrame(socket, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: state.options.heartbeatIntervalMs } });

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        socket.close(GatewayCloseCodes.DecodeError, 'binary frames are not emulated');
        return;
      }
      let frame: { op?: unknown; d?: unknown };
      try {
        frame = asRecord(JSON.parse(data.toString()));
      } catch {
        socket.close(GatewayCloseCodes.DecodeError, 'invalid JSON');
        return;
      }
      switch (frame.op) {
        case GatewayOpcodes.Heartbeat:
          if (session) session.heartbeats += 1;
          sendFrame(socket, { op: GatewayOpcodes.HeartbeatAck });
          break;
        case GatewayOpcodes.Identify:
          if (session) socket.close(GatewayCloseCodes.AlreadyAuthenticated, 'already identified');
          else session = identify(socket, asRecord(frame.d));
          break;
        case GatewayOpcodes.Resume:
          if (session) socket.close(GatewayCloseCodes.AlreadyAuthenticated, 'already identified');
          else session = resume(socket, asRecord(frame.d));
          break;
        case GatewayOpcodes.RequestGuildMembers:
          if (session) sendMembersChunk(session, asRecord(frame.d));
          break;
        case GatewayOpcodes.PresenceUpdate:
        case GatewayOpcodes.VoiceStateUpdate:
          break;
        default:
          socket.close(GatewayCloseCodes.UnknownOpcode, 'unknown opcode');
      }
      state.changed();
    });

    socket.on('close', (code) => {
      if (session && session.socket === socket) {
        session.socket = null;
        session.closeCodes.push(code);
        // A client that closes normally (client.destroy()) ends its session, as on Discord; any other close keeps
        // it resumable.
        if (code === 1000 || code === 1001) session.invalidated = true;
      }
      state.changed();
    });
    socket.on('error', () => socket.terminate());
  };

  const identify = (socket: WebSocket, data: Record<string, unknown>): GatewaySession | null => {
    if (asString(data.token)?.replace(/^Bot /, '') !== state.options.token) {
      socket.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return null;
    }
    const intents = typeof data.intents === 'number' ? data.intents : 0;
    const refused =
      ((intents & privilegedIntents.messageContent) !== 0 && !state.options.messageContentIntentEnabled) ||
      ((intents & privilegedIntents.guildMembers) !== 0 && !state.options.guildMembersIntentEnabled);
    if (refused) {
      socket.close(GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s).');
      return null;
    }
    const shard = parseShard(data.shard);
    if (!shard.valid) {
      socket.close(GatewayCloseCodes.InvalidShard, 'Invalid shard.');
      return null;
    }
    const session: GatewaySession = {
      id: state.nextId(),
      intents,
      shard: shard.shard,
      identifiedAt: state.clock.now(),
      sequence: 0,
      sent: [],
      socket,
      invalidated: false,
      resumes: 0,
      heartbeats: 0,
      closeCodes: [],
    };
    sessions.push(session);
    dispatchToSession(session, GatewayDispatchEvents.Ready, readyPayload(session));
    for (const guild of guildsOf(session)) {
      const payload = guildCreatePayload(state.world, guild, (intents & GatewayIntentBits.GuildMembers) !== 0);
      dispatchToSession(session, GatewayDispatchEvents.GuildCreate, payload);
    }
    return session;
  };

  const applicationFlags =
    (state.options.messageContentIntentEnabled ? ApplicationFlags.GatewayMessageContentLimited : 0) |
    (state.options.guildMembersIntentEnabled ? ApplicationFlags.GatewayGuildMembersLimited : 0);

  const guildsOf = (session: GatewaySession) => [...state.world.guilds.values()].filter((guild) => ownsGuild(session.shard, guild.id));

  const readyPayload = (session: GatewaySession): GatewayReadyDispatchData => ({
    v: 10,
    user: { ...toApiUser(state.world.bot), verified: true, mfa_enabled: false },
    guilds: guildsOf(session).map((guild) => ({ id: guild.id, unavailable: true })),
    session_id: session.id,
    resume_gateway_url: url,
    ...(session.shard ? { shard: session.shard } : {}),
    application: { id: state.world.applicationId, flags: applicationFlags, flags_new: String(applicationFlags) },
  });

  const resume = (socket: WebSocket, data: Record<string, unknown>): GatewaySession | null => {
    const session = sessions.find((candidate) => candidate.id === data.session_id);
    const tokenMatches = asString(data.token)?.replace(/^Bot /, '') === state.options.token;
    if (!session || session.invalidated || !tokenMatches) {
      // d: false tells the client that the session cannot be resumed: it identifies anew.
      sendFrame(socket, { op: GatewayOpcodes.InvalidSession, d: false });
      return null;
    }
    if (session.socket && session.socket !== socket) session.socket.close(GatewayCloseCodes.SessionTimedOut);
    session.socket = socket;
    session.resumes += 1;
    const lastSeen = typeof data.seq === 'number' ? data.seq : 0;
    for (const frame of session.sent) if (frame.s > lastSeen) sendFrame(socket, frame);
    dispatchToSession(session, GatewayDispatchEvents.Resumed, {});
    return session;
  };

  const sendMembersChunk = (session: GatewaySession, data: Record<string, unknown>): void => {
    const wanted = data.user_ids === undefined ? null : ([] as unknown[]).concat(data.user_ids).map(String);
    const query = asString(data.query)?.toLowerCase() ?? '';
    const limit = typeof data.limit === 'number' && data.limit > 0 ? data.limit : Number.POSITIVE_INFINITY;
    const guild = state.world.guilds.get(asString(data.guild_id) ?? '');
    // Discord answers only for a guild of the session's shard.
    if (!guild || !ownsGuild(session.shard, guild.id)) return;
    const members = [...guild.members.values()]
      .filter((member) => {
        if (wanted) return wanted.includes(member.userId);
        return (state.world.users.get(member.userId)?.username ?? '').startsWith(query);
      })
      .slice(0, limit);
    const chunk: GatewayGuildMembersChunkDispatchData = {
      guild_id: guild.id,
      members: members.map((member) => toApiMember(state.world, member)),
      chunk_index: 0,
      chunk_count: 1,
      ...(wanted ? { not_found: wanted.filter((id) => !guild.members.has(id)) } : {}),
      ...(typeof data.nonce === 'string' ? { nonce: data.nonce } : {}),
    };
    dispatchToSession(session, GatewayDispatchEvents.GuildMembersChunk, chunk);
  };

  return {
    url,
    dispatch(event, guildId, payloadFor) {
      for (const session of sessions) {
        if (session.invalidated || !ownsGuild(session.shard, guildId)) continue;
        const payload = payloadFor(session);
        if (payload !== null && payload !== undefined) dispatchToSession(session, event, payload);
      }
      state.changed();
    },
    async close(code, options = {}) {
      const closing: Promise<unknown>[] = [];
      for (const session of sessions) {
        const socket = session.socket;
        if (options.invalidateSession) session.invalidated = true;
        if (!socket || socket.readyState !== WebSocket.OPEN) continue;
        closing.push(new Promise((resolve) => socket.once('close', resolve)));
        // 1006 cannot be sent on the wire: it means "dropped without a close frame".
        if (code === 1006) socket.terminate();
        else socket.close(code);
      }
      await Promise.all(closing);
    },
    sessions: () => sessions.map((session) => describeSession(session, guildsOf(session).map((guild) => guild.id))),
    async stop() {
      server.off('upgrade', onUpgrade);
      for (const client of webSocketServer.clients) client.terminate();
      await new Promise<void>((resolve) => webSocketServer.close(() => resolve()));
    },
  };
}
