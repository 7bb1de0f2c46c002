import { AttachmentBuilder, DiscordAPIError, Routes, type Client } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';
import { startClient } from './start-client.ts';

const button = (customId: string | undefined, label = 'Go') => ({ type: 2, style: 1, label, ...(customId === undefined ? {} : { custom_id: customId }) });
const row = (...components: object[]) => ({ type: 1, components });

// Raw bodies through the real discord.js REST client: builders would refuse some of these before they leave.
describe('discord emulator: message validation', () => {
  let discord: DiscordEmulator;
  let client: Client<true>;
  let channelId: string;

  beforeAll(async () => {
    discord = await startDiscordEmulator({ rateLimits: { channelMessages: { limit: 100, windowMs: 1000 } } });
    client = await startClient(discord);
    channelId = discord.channels.tavern!.id;
  });
  afterAll(async () => {
    await client.destroy();
    await discord.stop();
  });

  const refusal = async (body: object): Promise<DiscordAPIError> => {
    const error = await client.rest.post(Routes.channelMessages(channelId), { body }).catch((caught: unknown) => caught);
    if (!(error instanceof DiscordAPIError)) throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
    return error;
  };

  it.each([
    ['content over 2000', { content: 'x'.repeat(2001) }, 'content[BASE_TYPE_MAX_LENGTH]'],
    ['embed description over 4096', { embeds: [{ description: 'x'.repeat(4097) }] }, 'embeds[0].description[BASE_TYPE_MAX_LENGTH]'],
    ['embed title over 256', { embeds: [{ title: 'x'.repeat(257), description: 'ok' }] }, 'embeds[0].title[BASE_TYPE_MAX_LENGTH]'],
    [
      'embeds over 6000 together',
      { embeds: [{ description: 'x'.repeat(4000) }, { description: 'x'.repeat(2001) }] },
      'embeds[MAX_EMBED_SIZE_EXCEEDED]',
    ],
    ['more than 10 embeds', { embeds: Array.from({ length: 11 }, () => ({ description: 'x' })) }, 'embeds[BASE_TYPE_MAX_LENGTH]'],
    ['more than 5 action rows', { components: Array.from({ length: 6 }, (_, index) => row(button(`b${index}`))) }, 'components[BASE_TYPE_MAX_LENGTH]'],
    [
      'more than 5 buttons in a row',
      { components: [row(...Array.from({ length: 6 }, (_, index) => button(`b${index}`)))] },
      'components[0].components[BASE_TYPE_BAD_LENGTH]',
    ],
    ['a button label over 80', { components: [row(button('b', 'x'.repeat(81)))] }, 'components[0].components[0].label[BASE_TYPE_MAX_LENGTH]'],
    ['a missing custom_id', { components: [row(button(undefined))] }, 'components[0].components[0].custom_id[BASE_TYPE_REQUIRED]'],
    ['a custom_id over 100', { components: [row(button('x'.repeat(101)))] }, 'components[0].components[0].custom_id[BASE_TYPE_MAX_LENGTH]'],
    [
      'a duplicate custom_id',
      { components: [row(button('same')), row(button('same'))] },
      'components[1].components[0].custom_id[COMPONENT_CUSTOM_ID_DUPLICATED]',
    ],
  ])('refuses %s with 50035 Invalid Form Body', async (_name, body, field) => {
    const error = await refusal(body);
    expect(error).toMatchObject({ status: 400, code: 50035 });
    expect(error.message).toContain(field);
  });

  it('refuses an empty message with 50006', async () => {
    expect(await refusal({ content: '' })).toMatchObject({ status: 400, code: 50006, message: 'Cannot send an empty message' });
  });

  it('accepts everything at the limits', async () => {
    const body = {
      content: 'x'.repeat(2000),
      embeds: [{ title: 't'.repeat(256), description: 'd'.repeat(4096) }, { description: 'd'.repeat(1648) }],
      components: Array.from({ length: 5 }, (_, rowIndex) =>
        row(...Array.from({ length: 5 }, (_, index) => button(`${rowIndex}:${index}:`.padEnd(100, 'x'), 'l'.repeat(80)))),
      ),
    };
    await expect(client.rest.post(Routes.channelMessages(channelId), { body })).resolves.toMatchObject({ content: body.content });
  });

  it('stores uploaded files sent as multipart', async () => {
    const channel = client.channels.cache.get(channelId);
    if (!channel?.isSendable()) throw new Error('tavern is not sendable');
    const sent = await channel.send({ files: [new AttachmentBuilder(Buffer.from('# Campaign log\n'), { name: 'campaign.md' })] });
    expect(sent.attachments.first()?.name).toBe('campaign.md');
    expect(discord.message(sent.id)?.attachments).toEqual([expect.objectContaining({ filename: 'campaign.md', text: '# Campaign log\n' })]);
  });

  it('lists and fetches channel messages, newest first', async () => {
    const channel = client.channels.cache.get(discord.channels.general!.id);
    if (!channel?.isTextBased()) throw new Error('general is not text based');
    discord.userMessage({ channel: 'general', user: 'alice', content: 'first' });
    discord.userMessage({ channel: 'general', user: 'bob', content: 'second' });
    const fetched = await channel.messages.fetch({ limit: 10, cache: false });
    expect(fetched.map((message) => message.content)).toEqual(['second', 'first']);
    const one = await channel.messages.fetch({ message: fetched.last()!.id, force: true });
    expect(one.author.username).toBe('alice');
  });
});
