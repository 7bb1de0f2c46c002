import type { RecordedRequest, Reply, Responder } from './fake-openai.ts';
import { reply } from './fake-openai.ts';

// Answers the fake OpenAI server the way a DM model would, phase by phase. The phase is read from the
// request the way a model would see it: the instruction in the last message, or the JSON schema's name.

export type DmPhase = 'narrative' | 'response' | 'options' | 'metadata' | 'continuation' | 'whisper' | 'unknown';

export function phaseOf(request: RecordedRequest): DmPhase {
  if (request.jsonSchemaName === 'player_options' || request.lastMessage.includes('Phase 3, PLAYER OPTIONS')) return 'options';
  if (request.jsonSchemaName === 'scene_metadata' || request.lastMessage.includes('Phase 4, SCENE METADATA')) return 'metadata';
  if (request.lastMessage.includes('was cut off')) return 'continuation';
  if (request.lastMessage.includes('PRIVATE WHISPER')) return 'whisper';
  if (request.lastMessage.includes('Phase 1, NARRATIVE')) return 'narrative';
  if (request.lastMessage.includes('Phase 2, PLAYER RESPONSE')) return 'response';
  return 'unknown';
}

export const SAMPLE_METADATA = {
  environmental_conditions: 'Smoky air, a fire crackling low',
  immediate_threats: 'A hooded figure watches the door',
  story_progression: 'The party has reached the Rusty Flagon',
  scene_elements: {
    npcs_present: ['Barkeep Mirelle', 'Hooded figure'],
    objects_of_interest: ['A torn map on the wall'],
    current_location: 'The Rusty Flagon tavern',
  },
};

export const SAMPLE_OPTIONS = ['Approach the hooded figure', 'Order a drink and observe', 'Search for exits'];

type PhaseReply = Reply | ((request: RecordedRequest) => Reply);

export type DmScript = Partial<Record<DmPhase, PhaseReply>>;

/** A responder with sensible defaults for every phase; the script overrides any of them. */
export function dmResponder(script: DmScript = {}): Responder {
  const defaults: Record<DmPhase, PhaseReply> = {
    narrative: reply.text('The tavern falls silent as the door swings open. Rain hammers the shutters.', { chunkDelayMs: 2 }),
    response: reply.text('Mirelle the barkeep nods at you and slides a mug across the counter.', { chunkDelayMs: 2 }),
    options: reply.json({ options: SAMPLE_OPTIONS }),
    metadata: reply.json(SAMPLE_METADATA),
    continuation: reply.text(' and the story goes on.'),
    whisper: reply.text('Only you notice it: a thin key taped beneath the bar, just where your hand rests.', { chunkDelayMs: 2 }),
    unknown: reply.text('…'),
  };
  return (request) => {
    const phase = phaseOf(request);
    const chosen = script[phase] ?? defaults[phase];
    return typeof chosen === 'function' ? chosen(request) : chosen;
  };
}
