import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Events,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type Interaction,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { startClient } from './start-client.ts';

const gmCommand = new SlashCommandBuilder()
  .setName('gm')
  .setDescription('Game master tools')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand((subcommand) =>
    subcommand
      .setName('start')
      .setDescription('Start a campaign')
      .addStringOption((option) => option.setName('premise').setDescription('What the story is about'))
      .addIntegerOption((option) => option.setName('players').setDescription('How many')),
  );

// As the bot registers them: no default member permission, so every member may use them.
const actCommand = new SlashCommandBuilder()
  .setName('act')
  .setDescription('Act in the scene')
  .addStringOption((option) => option.setName('action').setDescription('What you do').setRequired(true));
const sceneCommand = new SlashCommandBuilder().setName('scene').setDescription('What the DM knows of the scene');

// One command per rule that the Discord client enforces on option values before it sends anything.
const whisperCommand = new SlashCommandBuilder()
  .setName('whisper')
  .setDescription('Whisper to the DM')
  .addStringOption((option) => option.setName('text').setDescription('What you whisper').setRequired(true).setMaxLength(1000))
  .addStringOption((option) => option.setName('mood').setDescription('How').addChoices({ name: 'Calm', value: 'calm' }, { name: 'Urgent', value: 'urgent' }))
  .addStringOption((option) => option.setName('aside').setDescription('No max_length: Discord caps it at 6000'));
const castCommand = new SlashCommandBuilder()
  .setName('cast')
  .setDescription('Cast a spell')
  .addSubcommand((subcommand) =>
    subcommand
      .setName('spell')
      .setDescription('A spell')
      .addStringOption((option) => option.setName('name').setDescription('Which spell').setRequired(true).setMinLength(3).setMaxLength(20))
      .addIntegerOption((option) => option.setName('level').setDescription('Spell level').setMinValue(1).setMaxValue(9))
      .addNumberOption((option) => option.setName('range').setDescription('In feet').setMinValue(0).setMaxValue(120.5))
      .addIntegerOption((option) => option.setName('slot').setDescription('Slot').addChoices({ name: 'First', value: 1 }, { name: 'Second', value: 2 })),
  )
  .addSubcommand((subcommand) => subcommand.setName('rest').setDescription('Recover spell slots'));

function nextInteraction<T extends Interaction>(client: Client, accept: (interaction: Interaction) => interaction is T): Promise<T> {
  return new Promise((resolve) => {
    const listener = (interaction: Interaction): void => {
      if (!accept(interaction)) return;
      client.off(Events.InteractionCreate, listener);
      resolve(interaction);
    };
    client.on(Events.InteractionCreate, listener);
  });
}

const isChatInput = (interaction: Interaction): interaction is ChatInputCommandInteraction => interaction.isChatInputCommand();
const isButton = (interaction: Interaction): interaction is ButtonInteraction => interaction.isButton();

describe('discord emulator: interactions', () => {
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

  it('registers commands in bulk, keeping default_member_permissions and the ids across a redeploy', async () => {
    const first = await client.application.commands.set([gmCommand.toJSON()], discord.guild.id);
    const second = await client.application.commands.set([gmCommand.toJSON()], discord.guild.id);
    expect(second.first()?.id).toBe(first.first()?.id);
    expect(discord.commands(discord.guild.id)[0]).toMatchObject({ name: 'gm', default_member_permissions: String(PermissionFlagsBits.ManageGuild) });
  });

  it('nests a subcommand group, its subcommand and their options as Discord does, typed from the registered command', async () => {
    const withGroup = new SlashCommandBuilder()
      .setName('gm')
      .setDescription('Game master tools')
      .addSubcommandGroup((group) =>
        group
          .setName('lore')
          .setDescription('The lorebook')
          .addSubcommand((subcommand) =>
            subcommand
              .setName('add')
              .setDescription('Add a fact')
              .addStringOption((option) => option.setName('key').setDescription('Key words').setRequired(true))
              .addIntegerOption((option) => option.setName('weight').setDescription('How much')),
          ),
      );
    await client.application.commands.set([withGroup.toJSON()], discord.guild.id);
    const received = nextInteraction(client, isChatInput);
    discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommandGroup: 'lore', subcommand: 'add', options: { key: '12', weight: 3 } });

    const interaction = await received;
    expect(interaction.options.getSubcommandGroup()).toBe('lore');
    expect(interaction.options.getSubcommand()).toBe('add');
    // '12' stays a string: the type comes from the registered option, not from how the value looks.
    expect(interaction.options.getString('key')).toBe('12');
    expect(interaction.options.getInteger('weight')).toBe(3);
    expect(interaction.options.data).toEqual([
      {
        name: 'lore',
        type: 2,
        options: [
          {
            name: 'add',
            type: 1,
            options: [
              { name: 'key', type: 3, value: '12' },
              { name: 'weight', type: 4, value: 3 },
            ],
          },
        ],
      },
    ]);
  });

  it('runs a slash command with a subcommand: deferred, edited, then a follow-up', async () => {
    await client.application.commands.set([gmCommand.toJSON()], discord.guild.id);
    const received = nextInteraction(client, isChatInput);
    const handle = discord.slashCommand({ channel: 'tavern', user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A haunted inn', players: 3 } });

    const interaction = await received;
    expect(interaction.options.getSubcommand()).toBe('start');
    expect(interaction.options.getString('premise')).toBe('A haunted inn');
    expect(interaction.options.getInteger('players')).toBe(3);
    expect(interaction.channelId).toBe(discord.channels.tavern!.id);
    expect(interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)).toBe(true);

    await interaction.deferReply();
    const deferred = await handle.acknowledged();
    expect(deferred.acknowledgement?.type).toBe(5);
    expect(deferred.original?.loading).toBe(true);

    await interaction.editReply('The campaign begins.');
    await interaction.followUp({ content: 'Only you can see this.', flags: MessageFlags.Ephemeral });
    const fetched = await interaction.fetchReply();
    expect(fetched.content).toBe('The campaign begins.');
    const encoded = await fetch(`${discord.apiUrl}/v10/webhooks/${discord.applicationId}/${interaction.token}/messages/%40original`);
    expect(((await encoded.json()) as { id: string }).id).toBe(fetched.id);

    const view = await handle.reply((current) => current.followUps.length === 1);
    expect(view.original).toMatchObject({ content: 'The campaign begins.', loading: false, ephemeral: false });
    expect(view.followUps[0]).toMatchObject({ content: 'Only you can see this.', ephemeral: true });
    // The ephemeral follow-up is the user's alone: it is not in the channel.
    expect(discord.messages('tavern').map((message) => message.content)).toEqual(['The campaign begins.']);
    expect(discord.acknowledgementDelays()).toEqual([
      expect.objectContaining({ interactionId: handle.id, callbackType: 5, delayMs: expect.any(Number) }),
    ]);
    const webhookEdit = discord.requests.find((request) => request.method === 'PATCH' && request.route?.startsWith('/webhooks/'));
    expect(webhookEdit).toMatchObject({ path: expect.stringContaining('/messages/@original'), interactionId: handle.id, status: 200 });

    await interaction.deleteReply();
    expect(discord.interactionReplies(handle.id).original?.deleted).toBe(true);
  });

  it('gives a member without Manage Server the permissions Discord would compute', async () => {
    // Registered without a default permission, as the bot registers /gm, so that a GM-role member may send it.
    await client.application.commands.set([{ ...gmCommand.toJSON(), default_member_permissions: null }], discord.guild.id);
    const received = nextInteraction(client, isChatInput);
    discord.slashCommand({ channel: 'tavern', user: 'gmByRole', name: 'gm', subcommand: 'start' });
    const interaction = await received;
    expect(interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)).toBe(false);
    expect(interaction.inCachedGuild() && interaction.member.roles.cache.some((role) => role.name === 'GM')).toBe(true);
    await interaction.reply({ content: 'Only the GM may do that.', flags: MessageFlags.Ephemeral });
  });

  it('sends buttons and delivers a click with the whole message; deferUpdate then an edit of that message', async () => {
    const channel = client.channels.cache.get(discord.channels.tavern!.id);
    if (!channel?.isSendable()) throw new Error('tavern is not sendable');
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('dm:opt:t1:0').setLabel('Approach the hooded figure').setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setCustomId('dm:opt:t1:1').setLabel('Search for exits').setStyle(ButtonStyle.Secondary),
    );
    const turn = await channel.send({ content: 'What do you do?', components: [row] });
    expect(discord.message(turn.id)?.buttons.map((button) => button.customId)).toEqual(['dm:opt:t1:0', 'dm:opt:t1:1']);

    const received = nextInteraction(client, isButton);
    const handle = discord.clickButton({ user: 'bob', messageId: turn.id, customId: 'dm:opt:t1:1' });
    const click = await received;
    expect(click.customId).toBe('dm:opt:t1:1');
    expect(click.message.id).toBe(turn.id);
    expect(click.message.components).toHaveLength(1);
    expect(click.user.username).toBe('bob');

    await click.deferUpdate();
    expect((await handle.acknowledged()).acknowledgement?.type).toBe(6);
    await click.editReply({ components: [] });
    const view = await handle.reply();
    expect(view.original).toMatchObject({ id: turn.id, content: 'What do you do?', buttons: [] });
  });

  it.each([
    ['a required option missing', { name: 'whisper' }, /^\/whisper: option "text" is required: the Discord client would not send it$/],
    ['an empty required string', { name: 'whisper', options: { text: '' } }, /option "text" must be 1 or more in length \(got 0\)/],
    ['a string over max_length', { name: 'whisper', options: { text: 'x'.repeat(4000) } }, /^\/whisper: option "text" must be 1000 or fewer in length \(got 4000\): the Discord client would not send it$/],
    ['a string over 6000 without max_length', { name: 'whisper', options: { text: 'psst', aside: 'x'.repeat(6001) } }, /option "aside" must be 6000 or fewer in length \(got 6001\)/],
    ['a string under min_length', { name: 'cast', subcommand: 'spell', options: { name: 'ox' } }, /option "name" must be 3 or more in length \(got 2\)/],
    ['a value outside the choices', { name: 'whisper', options: { text: 'psst', mood: 'angry' } }, /option "mood" must be one of "calm", "urgent" \(got "angry"\)/],
    ['a number outside the integer choices', { name: 'cast', subcommand: 'spell', options: { name: 'Light', slot: 3 } }, /option "slot" must be one of 1, 2 \(got 3\)/],
    ['an integer under min_value', { name: 'cast', subcommand: 'spell', options: { name: 'Light', level: 0 } }, /option "level" must be 1 or more \(got 0\)/],
    ['an integer over max_value', { name: 'cast', subcommand: 'spell', options: { name: 'Light', level: 10 } }, /option "level" must be 9 or less \(got 10\)/],
    ['a fraction for an integer', { name: 'cast', subcommand: 'spell', options: { name: 'Light', level: 2.5 } }, /option "level" must be a whole number \(got 2.5\)/],
    ['a number over max_value', { name: 'cast', subcommand: 'spell', options: { name: 'Light', range: 121 } }, /option "range" must be 120.5 or less \(got 121\)/],
    ['an undeclared option', { name: 'whisper', options: { text: 'psst', loud: true } }, /^\/whisper: there is no option "loud"/],
    ["an option of another subcommand", { name: 'cast', subcommand: 'rest', options: { name: 'Light' } }, /^\/cast: there is no option "name"/],
    ['a subcommand that does not exist', { name: 'cast', subcommand: 'fly' }, /^\/cast: there is no subcommand "fly": the Discord client would not send it$/],
    ['a required option missing in the subcommand', { name: 'cast', subcommand: 'spell', options: { level: 3 } }, /^\/cast: option "name" is required/],
  ])('refuses to send what the Discord client would not: %s', async (_rule, input, refusal) => {
    await client.application.commands.set([whisperCommand.toJSON(), castCommand.toJSON()], discord.guild.id);
    expect(() => discord.slashCommand({ channel: 'tavern', user: 'alice', ...input })).toThrow(refusal);
    expect(discord.acknowledgementDelays()).toEqual([]);
  });

  it('sends options at their limits, counting a string in code points as Discord does', async () => {
    await client.application.commands.set([whisperCommand.toJSON(), castCommand.toJSON()], discord.guild.id);
    const whispered = nextInteraction(client, isChatInput);
    // 1000 emoji are 2000 UTF-16 units but 1000 characters for Discord.
    discord.slashCommand({ channel: 'tavern', user: 'alice', name: 'whisper', options: { text: '🐉'.repeat(1000), mood: 'urgent', aside: 'x'.repeat(6000) } });
    expect((await whispered).options.getString('text')).toHaveLength(2000);

    const cast = nextInteraction(client, isChatInput);
    discord.slashCommand({ channel: 'tavern', user: 'alice', name: 'cast', subcommand: 'spell', options: { name: 'Fly', level: 9, range: 120.5, slot: 2 } });
    const interaction = await cast;
    expect(interaction.options.getInteger('level')).toBe(9);
    expect(interaction.options.getNumber('range')).toBe(120.5);
    expect(interaction.options.getInteger('slot')).toBe(2);
  });

  it('answers 10062 to an acknowledgement after the 3 s deadline, on the emulator clock', async () => {
    await client.application.commands.set([actCommand.toJSON()], discord.guild.id);
    const received = nextInteraction(client, isChatInput);
    const handle = discord.slashCommand({ channel: 'dungeon', user: 'alice', name: 'act', options: { action: 'wait' } });
    const interaction = await received;
    discord.clock.advance(3100);
    await expect(interaction.deferReply()).rejects.toMatchObject({ code: 10062, status: 404 });
    expect(handle.view()).toMatchObject({ acknowledgement: null, refusedCallbacks: [{ code: 10062 }] });
    expect(discord.acknowledgementDelays()[0]?.delayMs).toBeNull();
  });

  it('answers 40060 to a second acknowledgement and 50027 once the 15-minute token expired', async () => {
    await client.application.commands.set([sceneCommand.toJSON()], discord.guild.id);
    const received = nextInteraction(client, isChatInput);
    const handle = discord.slashCommand({ channel: 'dungeon', user: 'carol', name: 'scene' });
    const interaction = await received;
    await interaction.reply({ content: 'The scene', withResponse: true });
    await expect(
      client.rest.post(`/interactions/${interaction.id}/${interaction.token}/callback`, { body: { type: 5 }, auth: false }),
    ).rejects.toMatchObject({ code: 40060, status: 400 });

    discord.clock.advance(15 * 60 * 1000 + 1);
    await expect(interaction.editReply('too late')).rejects.toMatchObject({ code: 50027, status: 401 });
    expect(handle.view().original?.content).toBe('The scene');
  });

  it('edits a follow-up through its webhook while the token lives, and through the channel (the bot wrote it) ever after', async () => {
    await client.application.commands.set([actCommand.toJSON()], discord.guild.id);
    const received = nextInteraction(client, isChatInput);
    const handle = discord.slashCommand({ channel: 'tavern', user: 'alice', name: 'act', options: { action: 'listen' } });
    const interaction = await received;
    await interaction.reply('You listen.');
    const followUp = await interaction.followUp('Footsteps above.');
    const channel = client.channels.cache.get(discord.channels.tavern!.id);
    if (!channel?.isTextBased()) throw new Error('tavern is not a text channel');

    await interaction.webhook.editMessage(followUp.id, 'Footsteps, closer.');
    await channel.messages.edit(followUp.id, 'Footsteps, at the door.');
    expect(discord.message(followUp.id)).toMatchObject({ content: 'Footsteps, at the door.', authorId: discord.bot.id, interactionId: handle.id });

    discord.clock.advance(15 * 60 * 1000 + 1);
    await expect(interaction.webhook.editMessage(followUp.id, 'too late')).rejects.toMatchObject({ code: 50027, status: 401 });
    await channel.messages.edit(followUp.id, 'Silence.');
    expect(discord.message(followUp.id)?.content).toBe('Silence.');
    const edits = discord.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith(`/messages/${followUp.id}`));
    expect(edits.map((request) => [request.route, request.status])).toEqual([
      ['/webhooks/:applicationId/:interactionToken/messages/:messageId', 200],
      ['/channels/:channelId/messages/:messageId', 200],
      ['/webhooks/:applicationId/:interactionToken/messages/:messageId', 401],
      ['/channels/:channelId/messages/:messageId', 200],
    ]);
  });
});
