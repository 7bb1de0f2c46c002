import { Events, PermissionFlagsBits, SlashCommandBuilder, type Client } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { startClient } from './start-client.ts';

// slashCommand() sends only what the Discord client would let that member send: a registered command whose
// default_member_permissions the member has in the channel (Administrator and the owner have them all).

const command = (name: string, permissions: bigint | null) =>
  new SlashCommandBuilder().setName(name).setDescription(`The ${name} command`).setDefaultMemberPermissions(permissions).toJSON();

/** Records each slash command the client receives ("username /name") and answers it, so that reply() resolves. */
function receivedBy(client: Client): string[] {
  const received: string[] = [];
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    received.push(`${interaction.user.username} /${interaction.commandName}`);
    void interaction.reply('ok');
  });
  return received;
}

describe('discord emulator: who may use a slash command', () => {
  let discord: DiscordEmulator;
  let client: Client<true>;

  beforeEach(async () => {
    discord = await startDiscordEmulator();
    client = await startClient(discord);
  });
  afterEach(async () => {
    await client.destroy();
    await discord.stop();
  });

  it('hides a Manage Server command from a player and delivers it for a member with Manage Server', async () => {
    await client.application.commands.set([command('setup', PermissionFlagsBits.ManageGuild)], discord.guild.id);
    const received = receivedBy(client);

    for (const user of ['alice', 'gmByRole']) {
      expect(() => discord.slashCommand({ channel: 'tavern', user, name: 'setup' })).toThrow(
        /\/setup requires default_member_permissions 32, .* Discord would hide the command from that member/,
      );
    }
    expect(discord.acknowledgementDelays()).toEqual([]);

    await discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'setup' }).reply();
    await discord.slashCommand({ channel: 'tavern', user: 'owner', name: 'setup' }).reply();
    expect(received).toEqual(['gamemaster /setup', 'owner /setup']);
  });

  it('leaves a command with "0" to administrators: the owner, not even Manage Server', async () => {
    await client.application.commands.set([command('purge', 0n)], discord.guild.id);
    const received = receivedBy(client);
    expect(() => discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'purge' })).toThrow(/administrators only/);
    await discord.slashCommand({ channel: 'tavern', user: 'owner', name: 'purge' }).reply();
    expect(received).toEqual(['owner /purge']);
  });

  it('delivers a command without a default permission for everyone, registered globally too', async () => {
    await client.application.commands.set([command('scene', null)]);
    const received = receivedBy(client);
    for (const user of ['alice', 'gmByRole', 'gm']) await discord.slashCommand({ channel: 'dungeon', user, name: 'scene' }).reply();
    expect(received).toEqual(['alice /scene', 'dungeonkeeper /scene', 'gamemaster /scene']);
  });

  it('refuses a command that was never registered: the Discord client could not send it', async () => {
    await client.application.commands.set([command('scene', null)], discord.guild.id);
    expect(() => discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'act' })).toThrow(/\/act is not registered/);
    expect(discord.acknowledgementDelays()).toEqual([]);
  });
});
