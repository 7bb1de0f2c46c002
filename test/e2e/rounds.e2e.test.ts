import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../support/dm-script.ts';
import type { MessageSnapshot } from '../support/discord-emulator/index.ts';
import type { RecordedRequest } from '../support/fake-openai.ts';
import { announced, refusedRequests, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// Round mode: the DM waits until everyone who has been playing has acted, or until the round's time runs out, showing
// one line that says whom it waits for; then one turn answers the round.

let world: BotWorld;
const channel = 'tavern';

function narratives(): RecordedRequest[] {
  return world.openai.requests.filter((request) => phaseOf(request) === 'narrative');
}

function actionsOf(request: RecordedRequest | undefined): string[] {
  const prompt = request?.messages[1]?.content ?? '';
  return prompt
    .slice(prompt.indexOf("## This turn's actions"))
    .split('\n')
    .filter((line) => line.startsWith('- '));
}

function statusLine(): MessageSnapshot | undefined {
  return world.botMessages(channel).findLast((message) => ['⏳ *The round waits for', '✅ *Everyone is in', '⌛ *Time is up'].some((start) => message.content.startsWith(start)));
}

async function play(user: string, content: string): Promise<void> {
  const before = narratives().length;
  world.discord.userMessage({ channel, user, content });
  await world.discord.waitFor(() => (narratives().length > before ? true : undefined), { description: `${user}'s turn` });
  await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
}

beforeAll(async () => {
  world = await startBotWorld();
});

afterAll(async () => {
  await world.close();
});

describe('round mode', () => {
  it('waits for everyone who has been playing, naming them on one line, then answers the round in one turn', async () => {
    await world.discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'start', options: { premise: 'A siege' } }).reply(announced);
    await waitForOptions(world, channel);
    await play('alice', 'I climb the wall');
    await play('bob', 'I ready the oil');
    await play('carol', 'I pray at the gate');

    const config = await world.discord
      .slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'config', options: { rounds: 'on', round_seconds: 10 } })
      .reply(announced);
    expect(config.followUps[0]?.content).toContain('Rounds are on');
    const before = narratives().length;

    world.discord.userMessage({ channel, user: 'alice', content: 'I throw a rope down' });
    await world.discord.waitFor(() => (statusLine()?.content === '⏳ *The round waits for: Bob, Carol*' ? true : undefined), { description: 'the round line' });
    world.discord.userMessage({ channel, user: 'bob', content: 'I pour the oil' });
    await world.discord.waitFor(() => (statusLine()?.content === '⏳ *The round waits for: Carol*' ? true : undefined), { description: 'the line updated' });
    expect(narratives()).toHaveLength(before);
    // One line for the whole round, edited, never a new one per action.
    expect(world.botMessages(channel).filter((message) => message.content.includes('The round waits for'))).toHaveLength(1);

    world.discord.userMessage({ channel, user: 'carol', content: 'I bless the defenders' });
    await world.discord.waitFor(() => (narratives().length === before + 1 ? true : undefined), { description: 'the round answered' });
    expect(actionsOf(narratives().at(-1))).toEqual(['- Alice: "I throw a rope down"', '- Bob: "I pour the oil"', '- Carol: "I bless the defenders"']);
    // Low priority: the line says the round is complete once the turn's own writes have had the channel's budget.
    await world.discord.waitFor(() => (statusLine()?.content.startsWith('✅') === true ? true : undefined), { description: 'the round line complete', timeoutMs: 15_000 });
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
  });

  it('answers the round when its time runs out, without the player who never acted', async () => {
    const before = narratives().length;
    const startedAt = Date.now();
    world.discord.userMessage({ channel, user: 'alice', content: 'I cut the ladder' });
    world.discord.userMessage({ channel, user: 'bob', content: 'I sound the horn' });
    await world.discord.waitFor(() => (world.botMessages(channel).some((message) => message.content === '⏳ *The round waits for: Carol*') ? true : undefined), {
      description: 'the round waiting for Carol',
    });
    await world.discord.waitFor(() => (narratives().length === before + 1 ? true : undefined), { description: 'the round answered at its time limit', timeoutMs: 15_000 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(9000);
    expect(actionsOf(narratives().at(-1))).toEqual(['- Alice: "I cut the ladder"', '- Bob: "I sound the horn"']);
    // The round's line says it went on without Carol, not that everyone was in.
    await world.discord.waitFor(() => (statusLine()?.content === '⌛ *Time is up: the DM answers the round without Carol.*' ? true : undefined), {
      description: 'the round line saying time is up',
      timeoutMs: 15_000,
    });
    await world.bot.tables.of(world.discord.channels[channel]?.id ?? '').idle();
    expect(refusedRequests(world)).toEqual([]);
  });
});
