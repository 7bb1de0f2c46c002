import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TurnEvent } from '../../src/dm/types.ts';
import { createChannelWriteScheduler } from '../../src/discord/render/channel-write-scheduler.ts';
import { SILENT_TURN_TEXT, WRITING_MARK, createTurnRenderer } from '../../src/discord/render/turn-renderer.ts';
import { createFakeChannel } from './fake-channel.ts';
import { maxStartsInWindow } from './recording-port.ts';

// The renderer against a stand-in for the channel that only keeps what a player would see. The real discord.js
// client against the Discord emulator is in turn-renderer.e2e.test.ts.

const logger = pino({ level: 'silent' });
const timestamp = '2025-01-15T10:30:00.000Z';

function narrativeParagraphs(length: number): string {
  const sentence = 'The lantern gutters as wind slips through the broken shutters of the old mill. ';
  let text = '';
  for (let paragraph = 0; text.length < length; paragraph += 1) {
    text += `${sentence.repeat(4 + (paragraph % 3)).trim()}\n\n`;
  }
  return text.slice(0, length);
}

function chunks(text: string, size: number): string[] {
  const result: string[] = [];
  for (let index = 0; index < text.length; index += size) result.push(text.slice(index, index + size));
  return result;
}

const withoutWhitespace = (text: string) => text.replace(/\s+/gu, '');

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('turn renderer', () => {
  it('streams a long turn into several messages and ends with exact text and the buttons on the last one', async () => {
    const fake = createFakeChannel();
    const created: string[] = [];
    const scheduler = createChannelWriteScheduler({ logger });
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler, turnId: 'turn1', logger, onMessageCreated: (id) => created.push(id) });
    const narrative = narrativeParagraphs(5000);
    const response = 'You notice a hooded figure in the corner, @everyone turns to look. <@123> nods.';
    const options = ['Approach the hooded figure', 'Order a drink and observe', 'Search for exits', `Climb ${'up and '.repeat(20)}away`];

    renderer.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(fake.requests[0]?.kind).toBe('typing');
    const emit = (event: TurnEvent) => void renderer.sink(event);
    for (const delta of chunks(narrative, 5)) {
      emit({ type: 'narrative_chunk', content: delta, is_final: false, timestamp });
      await vi.advanceTimersByTimeAsync(20);
    }
    emit({ type: 'narrative_chunk', content: '', is_final: true, timestamp });
    for (const delta of chunks(response, 7)) {
      emit({ type: 'player_response_chunk', content: delta, is_final: false, timestamp });
      await vi.advanceTimersByTimeAsync(20);
    }
    emit({ type: 'player_response_chunk', content: '', is_final: true, timestamp });
    emit({ type: 'player_options', options, timestamp });
    const finished = renderer.finish();
    await vi.advanceTimersByTimeAsync(10_000);
    const { messageIds } = await finished;

    expect(messageIds.length).toBe(3);
    expect(created).toEqual(messageIds);
    const shown = messageIds.map((id) => fake.messages.get(id));
    for (const message of shown) {
      expect(message?.content.length).toBeLessThanOrEqual(1900);
      expect(message?.content).not.toContain(WRITING_MARK.trim());
    }
    expect(withoutWhitespace(shown.map((message) => message?.content).join(''))).toBe(withoutWhitespace(narrative + response));
    expect(shown[2]?.content.endsWith(response)).toBe(true);
    expect(shown.slice(0, 2).every((message) => message?.components.length === 0)).toBe(true);
    const buttons = (shown[2]?.components[0] as { components: Array<{ label: string; custom_id: string }> }).components;
    expect(buttons.map((button) => button.custom_id)).toEqual(['dm:opt:turn1:0', 'dm:opt:turn1:1', 'dm:opt:turn1:2', 'dm:opt:turn1:3']);
    expect(buttons[3]?.label.length).toBeLessThanOrEqual(80);

    const writes = fake.requests.filter((request) => request.kind !== 'typing');
    const partialEdits = writes.filter((request) => request.kind === 'edit' && request.body?.content?.endsWith(WRITING_MARK));
    expect(partialEdits.length).toBeGreaterThan(5);
    expect(maxStartsInWindow(writes.map((write) => ({ startedAt: write.at })), 5250)).toBeLessThanOrEqual(5);
    for (const write of writes) {
      expect(write.body?.allowedMentions).toEqual({ parse: [], repliedUser: false });
      expect((write.body?.content ?? '').length).toBeLessThanOrEqual(2000);
    }
    // The first words go out as soon as they make a phrase (the model's first token came at 250 ms, five characters
    // every 20 ms): three whole words, not a lonely first token, and not one interval later.
    expect(writes[0]?.kind).toBe('send');
    expect(writes[0]?.at).toBeLessThanOrEqual(350);
    expect(writes[0]?.body?.content?.startsWith('The lantern gutters ')).toBe(true);
  });

  it('refreshes the typing indicator until the first text appears', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.start();
    await vi.advanceTimersByTimeAsync(17_000);
    expect(fake.requests.filter((request) => request.kind === 'typing').map((request) => request.at)).toEqual([250, 8250, 16250]);
    renderer.sink({ type: 'narrative_chunk', content: 'Rain.', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.requests.filter((request) => request.kind === 'typing')).toHaveLength(3);
  });

  it('waits for a phrase before the first write, but never long: a slow first word is shown within 600 ms', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.start();
    renderer.sink({ type: 'narrative_chunk', content: 'The', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(40);
    renderer.sink({ type: 'narrative_chunk', content: ' tav', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(200);
    expect(fake.requests.filter((request) => request.kind === 'send')).toHaveLength(0);
    renderer.sink({ type: 'narrative_chunk', content: 'ern falls silent', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.requests.find((request) => request.kind === 'send')).toMatchObject({ at: 240, body: { content: `The tavern falls silent${WRITING_MARK}` } });

    // A model that stalls after one word: its word is shown once the wait is over, rather than nothing at all.
    const slow = createFakeChannel();
    const slowRenderer = createTurnRenderer({ channel: slow.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 'u', logger });
    const startedAt = Date.now();
    slowRenderer.sink({ type: 'narrative_chunk', content: 'Silence', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(1000);
    expect(slow.requests.find((request) => request.kind === 'send')).toMatchObject({ at: startedAt + 600, body: { content: `Silence${WRITING_MARK}` } });
  });

  it('sends no typing indicator when the first words come before the typing delay', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.start();
    await vi.advanceTimersByTimeAsync(100);
    renderer.sink({ type: 'narrative_chunk', content: 'Rain.', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fake.requests.filter((request) => request.kind === 'typing')).toHaveLength(0);
    expect(fake.requests[0]).toMatchObject({ kind: 'send', at: 100 });
  });

  it('shows a short italic line with the buttons when the model said nothing', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.start();
    renderer.sink({ type: 'narrative_chunk', content: '  ', is_final: true, timestamp });
    renderer.sink({ type: 'player_response_chunk', content: '', is_final: true, timestamp });
    renderer.sink({ type: 'player_options', options: ['a', 'b', 'c'], timestamp });
    const { messageIds } = await renderer.finish();
    expect(messageIds).toHaveLength(1);
    const message = fake.messages.get(messageIds[0] ?? '');
    expect(message?.content).toBe(SILENT_TURN_TEXT);
    expect(message?.components).toHaveLength(1);
  });

  it('marks an interrupted turn and shows no buttons', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.sink({ type: 'narrative_chunk', content: 'The bridge sways', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(300);
    renderer.sink({ type: 'narrative_chunk', content: ' over the chasm', is_final: false, timestamp });
    const interrupted = renderer.interrupt('stopped by the GM');
    await vi.advanceTimersByTimeAsync(100);
    const { messageIds } = await interrupted;
    const message = fake.messages.get(messageIds[0] ?? '');
    expect(message?.content).toBe('The bridge sways over the chasm\n\n*(interrupted — stopped by the GM)*');
    expect(message?.components).toEqual([]);
    // Later events and a second end change nothing.
    renderer.sink({ type: 'narrative_chunk', content: ' more', is_final: false, timestamp });
    await expect(renderer.finish()).resolves.toEqual({ messageIds });
  });

  it('reports a failed final write through finish()', async () => {
    const fake = createFakeChannel({ failSends: true });
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.sink({ type: 'narrative_chunk', content: 'Hello', is_final: true, timestamp });
    renderer.sink({ type: 'player_options', options: ['a', 'b', 'c'], timestamp });
    await vi.advanceTimersByTimeAsync(0);
    await expect(renderer.finish()).rejects.toMatchObject({ name: 'TurnNotShownError', reason: 'channel_unwritable', messageIds: [] });
    // Nothing more is tried once Discord said the bot may not write here.
    expect(fake.requests.filter((request) => request.kind === 'send')).toHaveLength(1);
  });

  it('goes on in a new message, saying so, when a moderator deletes the message being written', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.sink({ type: 'narrative_chunk', content: 'The bridge sways over the chasm, ', is_final: false, timestamp });
    await vi.advanceTimersByTimeAsync(100);
    const [first] = [...fake.messages.keys()];
    expect(first).toBeDefined();
    fake.deleteMessage(first ?? '');
    renderer.sink({ type: 'narrative_chunk', content: 'and the ropes creak.', is_final: true, timestamp });
    await vi.advanceTimersByTimeAsync(3000);
    renderer.sink({ type: 'player_response_chunk', content: 'Ana, you hold on.', is_final: true, timestamp });
    renderer.sink({ type: 'player_options', options: ['Climb', 'Jump', 'Wait'], timestamp });
    const finished = renderer.finish();
    await vi.advanceTimersByTimeAsync(5000);
    const { messageIds } = await finished;
    expect(messageIds).toHaveLength(1);
    expect(messageIds[0]).not.toBe(first);
    const message = fake.messages.get(messageIds[0] ?? '');
    expect(message?.content).toBe(
      "-# *(the DM's earlier message was removed; the turn goes on here)*\nThe bridge sways over the chasm, and the ropes creak.\n\nAna, you hold on.",
    );
    expect(message?.components).toHaveLength(1);
    expect([...fake.messages.keys()]).toEqual(messageIds);
  });

  it('replaces a message deleted just before the final edit, and still ends with the buttons', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.sink({ type: 'narrative_chunk', content: 'Rain hammers the deck of the ship.', is_final: true, timestamp });
    await vi.advanceTimersByTimeAsync(100);
    fake.deleteMessage([...fake.messages.keys()][0] ?? '');
    renderer.sink({ type: 'player_response_chunk', content: 'Bo, the mast cracks.', is_final: true, timestamp });
    renderer.sink({ type: 'player_options', options: ['Cut the rope', 'Hold fast'], timestamp });
    const finished = renderer.finish();
    await vi.advanceTimersByTimeAsync(5000);
    const { messageIds } = await finished;
    const message = fake.messages.get(messageIds[0] ?? '');
    expect(message?.content).toMatch(/^-# \*\(the DM's earlier message was removed; the turn goes on here\)\*\nRain hammers the deck of the ship\.\n\nBo, the mast cracks\.$/u);
    expect(message?.components).toHaveLength(1);
  });

  it('tries a failing final edit again, then goes on in a new message rather than losing the turn', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.sink({ type: 'narrative_chunk', content: 'The gate groans open, slowly.', is_final: true, timestamp });
    await vi.advanceTimersByTimeAsync(100);
    const [first] = [...fake.messages.keys()];
    // Discord answers 500 to the final edit and both retries: the turn continues in a new message.
    fake.failNextEdits(3);
    renderer.sink({ type: 'player_response_chunk', content: 'Cy, it is dark inside.', is_final: true, timestamp });
    renderer.sink({ type: 'player_options', options: ['Enter', 'Wait'], timestamp });
    const finished = renderer.finish();
    await vi.advanceTimersByTimeAsync(10_000);
    const { messageIds } = await finished;
    expect(messageIds).toHaveLength(1);
    expect(messageIds[0]).not.toBe(first);
    const message = fake.messages.get(messageIds[0] ?? '');
    expect(message?.content).toBe('-# *(Discord would not update the message above; the turn goes on here)*\nThe gate groans open, slowly.\n\nCy, it is dark inside.');
    expect(message?.components).toHaveLength(1);
  });

  it('a final edit that fails once is simply made again: one message, no note', async () => {
    const fake = createFakeChannel();
    const renderer = createTurnRenderer({ channel: fake.channel, scheduler: createChannelWriteScheduler({ logger }), turnId: 't', logger });
    renderer.sink({ type: 'narrative_chunk', content: 'The gate groans open, slowly.', is_final: true, timestamp });
    await vi.advanceTimersByTimeAsync(100);
    fake.failNextEdits(1);
    renderer.sink({ type: 'player_response_chunk', content: 'Cy, it is dark inside.', is_final: true, timestamp });
    renderer.sink({ type: 'player_options', options: ['Enter', 'Wait'], timestamp });
    const finished = renderer.finish();
    await vi.advanceTimersByTimeAsync(10_000);
    const { messageIds } = await finished;
    expect([...fake.messages.keys()]).toEqual(messageIds);
    expect(fake.messages.get(messageIds[0] ?? '')?.content).toBe('The gate groans open, slowly.\n\nCy, it is dark inside.');
  });
});
