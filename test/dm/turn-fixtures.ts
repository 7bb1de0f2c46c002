import { pino } from 'pino';
import { createOrchestrator, type Orchestrator } from '../../src/dm/orchestrator.ts';
import type { TurnEvent } from '../../src/dm/events.ts';
import type { TurnContext } from '../../src/dm/types.ts';
import { createLlmClient, type LlmClientOptions } from '../../src/llm/create-llm-client.ts';
import type { FakeOpenAi } from '../support/fake-openai.ts';

export const silentLogger = pino({ level: 'silent' });

export function orchestratorFor(
  fake: FakeOpenAi,
  overrides: Partial<Pick<LlmClientOptions, 'chunkTimeoutMs' | 'maxRetries' | 'tokenLimitField' | 'promptCacheKey'>> = {},
): Orchestrator {
  const llm = createLlmClient({
    apiKey: 'test-key',
    baseUrl: fake.url,
    firstTokenTimeoutMs: 2000,
    chunkTimeoutMs: overrides.chunkTimeoutMs ?? 1000,
    totalTimeoutMs: 10_000,
    maxRetries: overrides.maxRetries ?? 1,
    retryBaseDelayMs: 10,
    tokenLimitField: overrides.tokenLimitField,
    promptCacheKey: overrides.promptCacheKey,
  });
  return createOrchestrator({
    llm,
    models: { narrative: 'dm-large', response: 'dm-large', options: 'dm-small', metadata: 'dm-small' },
    logger: silentLogger,
  });
}

export function turnContext(overrides: Partial<TurnContext> = {}): TurnContext {
  return {
    turnId: 'turn1',
    campaign: {
      id: '1100000000000000001',
      premise: 'Smugglers in the drowned city of Vell',
      tone: 'grim and wet',
      summary: 'The party escaped the harbour watch and owes a debt to the Eel.',
      party: [
        { playerId: 'p1', name: 'Alice' },
        { playerId: 'p2', name: 'Bob' },
      ],
    },
    opening: false,
    rules: { length: 'normal', limits: '' },
    scene: {
      environmental_conditions: 'Fog over the canals',
      immediate_threats: 'A patrol boat',
      story_progression: 'Searching for the Eel',
      scene_elements: { npcs_present: ['Old Ferryman'], objects_of_interest: ['A lantern'], current_location: 'Canal of Sighs' },
    },
    recentTurns: [
      {
        kind: 'turn',
        actions: [{ id: 'a0', playerId: 'p1', playerName: 'Alice', text: 'I hail the ferryman', source: 'message' }],
        narrative: 'The canal breathes fog.',
        response: 'The ferryman raises his pole in greeting.',
      },
    ],
    actions: [
      { id: 'a1', playerId: 'p1', playerName: 'Alice', text: 'I ask the ferryman about the Eel', source: 'message' },
      { id: 'a2', playerId: 'p2', playerName: 'Bob', text: 'Search for exits', source: 'option', choice: { turnId: 'turn0', index: 2 } },
    ],
    streaming: true,
    ...overrides,
  };
}

export function recordingSink(): { events: TurnEvent[]; sink: (event: TurnEvent) => void } {
  const events: TurnEvent[] = [];
  return { events, sink: (event) => void events.push(event) };
}

export function textOf(events: TurnEvent[], type: 'narrative_chunk' | 'player_response_chunk'): string {
  return events.flatMap((event) => (event.type === type ? [event.content] : [])).join('');
}
