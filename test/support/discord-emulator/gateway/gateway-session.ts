import { GatewayOpcodes } from 'discord-api-types/v10';
import { WebSocket } from 'ws';
import type { ShardPair } from './sharding.ts';

export type DispatchFrame = { op: GatewayOpcodes.Dispatch; t: string; s: number; d: unknown };

export type GatewaySession = {
  id: string;
  intents: number;
  // null when IDENTIFY carried no shard: the session gets every guild.
  shard: ShardPair | null;
  identifiedAt: number;
  sequence: number;
  // Every dispatch of the session stays here, so a RESUME can replay what a dropped connection missed.
  sent: DispatchFrame[];
  socket: WebSocket | null;
  invalidated: boolean;
  resumes: number;
  heartbeats: number;
  closeCodes: number[];
};

export type GatewaySessionInfo = {
  id: string;
  intents: number;
  shard: ShardPair | null;
  // The guilds this session owns (all of them without a shard), announced in READY.
  guildIds: string[];
  identifiedAt: number;
  connected: boolean;
  invalidated: boolean;
  resumes: number;
  heartbeats: number;
  sequence: number;
  closeCodes: number[];
  dispatched: { t: string; s: number }[];
};

// Text frames only: @discordjs/ws drops binary frames unless it negotiated compression (notes B.2).
export function sendFrame(socket: WebSocket | null, frame: unknown): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame), { binary: false });
}

export function dispatchToSession(session: GatewaySession, event: string, data: unknown): void {
  session.sequence += 1;
  const frame: DispatchFrame = { op: GatewayOpcodes.Dispatch, t: event, s: session.sequence, d: data };
  session.sent.push(frame);
  sendFrame(session.socket, frame);
}

export function describeSession(session: GatewaySession, guildIds: string[]): GatewaySessionInfo {
  return {
    id: session.id,
    intents: session.intents,
    shard: session.shard,
    guildIds,
    identifiedAt: session.identifiedAt,
    connected: session.socket?.readyState === WebSocket.OPEN,
    invalidated: session.invalidated,
    resumes: session.resumes,
    heartbeats: session.heartbeats,
    sequence: session.sequence,
    closeCodes: [...session.closeCodes],
    dispatched: session.sent.map((frame) => ({ t: frame.t, s: frame.s })),
  };
}
