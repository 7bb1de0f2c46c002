import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, type ClientOptions } from 'discord.js';
import type { DiscordEmulator } from '../support/discord-emulator/index.ts';

export const botIntents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];

// The real discord.js client, configured as the bot configures it (src/discord/create-client.ts), pointed at the emulator.
// `sharding` ({ shards: [1], shardCount: 2 }) makes it one of several processes, each identifying some shards.
export async function startClient(
  discord: DiscordEmulator,
  intents: GatewayIntentBits[] = botIntents,
  sharding: Pick<ClientOptions, 'shards' | 'shardCount'> = {},
): Promise<Client<true>> {
  const client = new Client({
    intents,
    ...sharding,
    rest: { api: discord.apiUrl },
    allowedMentions: { parse: [], repliedUser: false },
  });
  const ready = once(client, Events.ClientReady);
  await client.login(discord.token);
  await ready;
  return client as Client<true>;
}
