import { describe, expect, it } from 'vitest';
import { opensWithPreviously } from '../../src/campaign/recap-gap.ts';
import { firstSentences, GIST_CHARACTERS, RECAP_RECENT_TURNS, storySoFar } from '../../src/campaign/story-so-far.ts';
import type { Campaign, StoredTurn } from '../../src/campaign/types.ts';
import type { PlayerAction } from '../../src/dm/types.ts';

const HOUR = 60 * 60 * 1000;
const NOW = Date.parse('2025-01-15T18:00:00.000Z');
const finishedHoursAgo = (hours: number) => ({ finishedAt: new Date(NOW - hours * HOUR).toISOString() });

describe('the gap before a "previously…"', () => {
  it('opens the first turn after the gap with one, from the last delivered turn to now', () => {
    expect(opensWithPreviously({ opening: false, lastDelivered: finishedHoursAgo(7), nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(true);
    expect(opensWithPreviously({ opening: false, lastDelivered: finishedHoursAgo(6), nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(true);
    expect(opensWithPreviously({ opening: false, lastDelivered: finishedHoursAgo(5.9), nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(false);
    expect(opensWithPreviously({ opening: false, lastDelivered: finishedHoursAgo(0), nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(false);
  });

  it('never for the opening, with the setting at 0, or without a finished turn to measure from', () => {
    expect(opensWithPreviously({ opening: true, lastDelivered: undefined, nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(false);
    expect(opensWithPreviously({ opening: true, lastDelivered: finishedHoursAgo(100), nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(false);
    expect(opensWithPreviously({ opening: false, lastDelivered: finishedHoursAgo(100), nowMs: NOW, recapAfterMs: 0 })).toBe(false);
    expect(opensWithPreviously({ opening: false, lastDelivered: undefined, nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(false);
    expect(opensWithPreviously({ opening: false, lastDelivered: { finishedAt: null }, nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(false);
    expect(opensWithPreviously({ opening: false, lastDelivered: { finishedAt: 'garbage' }, nowMs: NOW, recapAfterMs: 6 * HOUR })).toBe(false);
  });
});

function campaign(overrides: Partial<Campaign> = {}): Campaign {
  return {
    campaignId: 'c1',
    channelId: 'ch1',
    guildId: 'g1',
    status: 'active',
    premise: 'A crypt beneath the abbey',
    tone: 'grim',
    summary: '',
    summarisedThroughTurn: 0,
    party: [],
    settings: { streaming: null, messages: 'actions', length: 'normal', limits: '' },
    startedBy: 'gm',
    createdAt: '2025-01-15T10:00:00.000Z',
    updatedAt: '2025-01-15T10:00:00.000Z',
    turnCount: 0,
    logLength: 0,
    ...overrides,
  };
}

const action = (playerName: string, text: string): PlayerAction => ({ id: `${playerName}-${text}`, playerId: playerName, playerName, text, source: 'message' });

function turn(number: number, overrides: Partial<StoredTurn> = {}): StoredTurn {
  return {
    turnId: `t${number}`,
    campaignId: 'c1',
    channelId: 'ch1',
    guildId: 'g1',
    kind: 'turn',
    number,
    status: 'complete',
    actions: [action('Alice', `act ${number}`)],
    narrative: `Narrative ${number}.`,
    response: `Response ${number}. More of ${number}.`,
    options: [],
    usage: {},
    messageIds: [],
    startedAt: '2025-01-15T10:00:00.000Z',
    finishedAt: '2025-01-15T10:01:00.000Z',
    ...overrides,
  };
}

describe('the story so far', () => {
  it('tells the recent turns early in a campaign, before any summary: never empty once a turn was played', () => {
    const turns = [
      turn(1, { actions: [], narrative: 'Torches gutter in the crypt. Bones everywhere.', response: 'What do you do?' }),
      turn(2, { actions: [action('Alice', 'I search'), action('Bob', 'I guard'), action('Alice', 'and listen')] }),
      turn(3, { kind: 'narration', actions: [], narrative: 'A bell tolls above.', response: '' }),
      turn(4, { status: 'in_progress' }),
      turn(5, { campaignId: 'old' }),
    ];
    const story = storySoFar(campaign({ turnCount: 3 }), turns, null);
    expect(story.summary).toBe('');
    expect(story.lately).toEqual([
      { kind: 'opening', players: [], gist: 'Torches gutter in the crypt. Bones everywhere.' },
      { kind: 'turn', players: ['Alice', 'Bob'], gist: 'Response 2. More of 2.' },
      { kind: 'narration', players: [], gist: 'A bell tolls above.' },
    ]);
  });

  it('gives the summary and only the turns it does not cover yet, at most a few', () => {
    const turns = Array.from({ length: 12 }, (_, index) => turn(index + 1));
    const story = storySoFar(campaign({ summary: '  The party entered the crypt.  ', summarisedThroughTurn: 4 }), turns, null);
    expect(story.summary).toBe('The party entered the crypt.');
    expect(story.lately).toHaveLength(RECAP_RECENT_TURNS);
    expect(story.lately.at(-1)?.gist).toBe('Response 12. More of 12.');
    expect(storySoFar(campaign({ summary: 'All of it.', summarisedThroughTurn: 12 }), turns, null).lately).toEqual([]);
  });

  it('cuts a gist at a sentence, or at a word when one sentence is too long', () => {
    const long = `${'The ghoul lurches. '.repeat(20)}`;
    const gist = firstSentences(long, GIST_CHARACTERS);
    expect(gist.length).toBeLessThanOrEqual(GIST_CHARACTERS);
    expect(gist.endsWith('lurches.')).toBe(true);
    const endless = `${'word '.repeat(100)}`;
    const cut = firstSentences(endless, GIST_CHARACTERS);
    expect(cut.length).toBeLessThanOrEqual(GIST_CHARACTERS);
    expect(cut).toMatch(/word…$/);
    expect(firstSentences('Short.\n\nAnd on\nlines.', GIST_CHARACTERS)).toBe('Short. And on lines.');
  });
});
