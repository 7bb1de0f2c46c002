import { setTimeout as sleep } from 'node:timers/promises';
import { ChannelType, RESTEvents, type Client, type RateLimitData } from 'discord.js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TurnEvent } from '../../src/dm/types.ts';
import { createSchedulerRegistry } from '../../src/discord/render/scheduler-registry.ts';
import { WRITING_MARK, createTurnRenderer } from '../../src/discord/render/turn-renderer.ts';
import { startClient } from '../discord-emulator/start-client.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../support/discord-emulator/index.ts';

// A turn rendered by the real discord.js client into the Discord emulator, with Discord's own 5-per-5-s channel
// bucket and the scheduler's defaults, asserting what a player sees and that Discord never had to say no.

const logger = pino({ level: 'silent' });
const timestamp = '2025-01-15T10:30:00.000Z';
const messageRoutes = new Set(['/channels/:channelId/messages', '/channels/:channelId/messages/:messageId']);

function narrative(length: number): string {
  const sentences = [
    'The lantern gutters as wind slips through the broken shutters of the old mill.',
    'Somewhere below, the wheel groans against water that should have frozen weeks ago.',
    'Flour dust hangs in the air like a held breath, glittering where the light touches it.',
    'A smell of wet iron and cold ash drifts up the stairs, and the floorboards answer every step.',
  ];
  let text = '';
  for (let paragraph = 0; text.length < length; paragraph += 1) {
    const body = Array.from({ length: 3 + (paragraph % 3) }, (_, index) => sentences[(paragraph + index) % sentences.length]);
    text += `${body.join(' ')}\n\n`;
  }
  return text.slice(0, length).trimEnd();
}

function deltas(text: string, size: number): string[] {
  const result: string[] = [];
  for (let index = 0; index < text.length; index += size) result.push(text.slice(index, index + size));
  return result;
}

const withoutWhitespace = (text: string) => text.replace(/\s+/gu, '');

describe('turn renderer against discord.js and the Discord emulator', () => {
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

  it('streams a 5,000-character turn within every Discord limit and ends with exact text and buttons', { timeout: 60_000 }, async () => {
    const channel = client.channels.cache.get(discord.channels.tavern?.id ?? '');
    if (channel?.type !== ChannelType.GuildText) throw new Error('the tavern is not a text channel');
    const rateLimited: RateLimitData[] = [];
    client.rest.on(RESTEvents.RateLimited, (data) => rateLimited.push(data));

    const schedulers = createSchedulerRegistry({ logger });
    const created: string[] = [];
    const renderer = createTurnRenderer({
      channel,
      scheduler: schedulers.getScheduler(channel.id),
      turnId: 'turn-e2e',
      logger,
      onMessageCreated: (messageId) => created.push(messageId),
    });
    const narrativeText = narrative(5000);
    const responseText = 'You notice a hooded figure in the corner; @everyone turns to look, and <@&123> mutters a name.';
    const options = [
      'Approach the hooded figure',
      'Order a drink and observe',
      'Search the mill for another way out',
      `Climb the rafters quietly, ${'keeping to the shadows and '.repeat(4)}watch the stranger from above`,
    ];
    expect(options[3]?.length).toBeGreaterThan(120);

    const startedAt = Date.now();
    renderer.start();
    const emit = (event: TurnEvent) => void renderer.sink(event);
    // About two tokens every 20 ms: a fast model. Faster text only means fewer, larger steps between edits.
    for (const delta of deltas(narrativeText, 8)) {
      emit({ type: 'narrative_chunk', content: delta, is_final: false, timestamp });
      await sleep(20);
    }
    emit({ type: 'narrative_chunk', content: '', is_final: true, timestamp });
    for (const delta of deltas(responseText, 8)) {
      emit({ type: 'player_response_chunk', content: delta, is_final: false, timestamp });
      await sleep(20);
    }
    emit({ type: 'player_response_chunk', content: '', is_final: true, timestamp });
    emit({ type: 'player_options', options, timestamp });
    emit({
      type: 'metadata_update',
      metadata: {
        environmental_conditions: 'cold, dusty',
        immediate_threats: 'none yet',
        story_progression: 'the stranger arrives',
        scene_elements: { npcs_present: ['hooded figure'], objects_of_interest: ['rafters'], current_location: 'the old mill' },
      },
      timestamp,
    });
    const { messageIds } = await renderer.finish();

    // The first words came at once, so the players saw them without an interval, and no typing indicator was needed.
    const typing = discord.requests.find((request) => request.route === '/channels/:channelId/typing');
    const firstSend = discord.requests.find((request) => request.method === 'POST' && request.route === '/channels/:channelId/messages');
    expect(typing).toBeUndefined();
    expect((firstSend?.at ?? Infinity) - startedAt).toBeLessThan(500);

    // The turn's messages, in order, are the channel's messages; only the last carries the buttons.
    const shown = discord.messages('tavern');
    expect(shown.map((message) => message.id)).toEqual(messageIds);
    expect(created).toEqual(messageIds);
    expect(messageIds.length).toBe(3);
    const document = `${narrativeText}\n\n${responseText}`;
    expect(withoutWhitespace(shown.map((message) => message.content).join(''))).toBe(withoutWhitespace(document));
    for (const message of shown) {
      expect(message.content.length).toBeLessThanOrEqual(2000);
      expect(message.content).not.toContain(WRITING_MARK.trim());
    }
    expect(shown.at(-1)?.content.endsWith(responseText)).toBe(true);
    expect(shown.slice(0, -1).every((message) => message.buttons.length === 0)).toBe(true);
    const buttons = shown.at(-1)?.buttons ?? [];
    expect(buttons.map((button) => button.customId)).toEqual(options.map((_, index) => `dm:opt:turn-e2e:${index}`));
    expect(buttons.every((button) => (button.label?.length ?? 0) <= 80 && !button.disabled)).toBe(true);
    expect(buttons[3]?.label?.endsWith('…')).toBe(true);
    expect(buttons.slice(0, 3).map((button) => button.label)).toEqual(options.slice(0, 3));

    // Players watched it grow: several streaming versions, each a prefix of what the message finally said.
    const streamingVersions = shown.flatMap((message) => message.versions.filter((version) => version.content.endsWith(WRITING_MARK)));
    expect(streamingVersions.length).toBeGreaterThanOrEqual(4);
    const last = shown.at(-1);
    const lastVersions = (last?.versions ?? []).map((version) => version.content.replace(WRITING_MARK, ''));
    expect(lastVersions.length).toBeGreaterThanOrEqual(3);
    for (const content of lastVersions) expect(last?.content.startsWith(content)).toBe(true);

    // Discord never refused anything, discord.js never had to hold a request back, and nothing could ping.
    expect(discord.requests.filter((request) => request.status === 400 || request.status === 429)).toEqual([]);
    expect(discord.requests.every((request) => request.status < 300)).toBe(true);
    expect(rateLimited).toEqual([]);
    const writes = discord.requests.filter((request) => request.route !== null && messageRoutes.has(request.route));
    expect(writes.length).toBeGreaterThan(5);
    for (const write of writes) expect(write.allowedMentions).toMatchObject({ parse: [] });
  });
});
