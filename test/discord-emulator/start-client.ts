import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, SlashCommandBuilder, type ChatInputCommandInteraction, type ClientOptions } from 'discord.js';
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

/**
 * Registers `/act action:` in the emulator's guild through the client, has alice run it in #tavern, and resolves with
 * the interaction as the client received it (not answered yet) and the emulator's handle on it.
 */
export async function receiveAct(client: Client<true>, discord: DiscordEmulator, action: string) {
  const act = new SlashCommandBuilder()
    .setName('act')
    .setDescription('Act in the scene')
    .addStringOption((option) => option.setName('action').setDescription('What you do').setRequired(true));
  await client.application.commands.set([act.toJSON()], discord.guild.id);
  const received = new Promise<ChatInputCommandInteraction>((resolve) =>
    client.once(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand()) resolve(interaction);
    }),
  );
  const handle = discord.slashCommand({ channel: 'tavern', user: 'alice', name: 'act', options: { action } });
  return { handle, interaction: await received };
}
