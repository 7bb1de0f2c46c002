import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reply, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';
import { clientFor, collect, narrativeRequest } from './llm-test-client.ts';

// Shows how the DM's tests answer each phase of a turn differently with one responder.

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.respondWith((request) => {
    if (request.jsonSchemaName === 'player_options') return reply.json({ options: ['Fight', 'Flee'] });
    if (request.lastMessage.includes('PHASE: response')) return reply.text('The orc grunts.', { chunkDelayMs: 5 });
    return reply.text('Rain drums on the tavern roof.', { firstTokenMs: 10, chunkDelayMs: 5 });
  });
});
afterAll(async () => {
  await fake.close();
});

describe('fake OpenAI responder', () => {
  it('routes by schema name and by the last message', async () => {
    const client = clientFor(fake);
    const narrative = await collect(client.stream(narrativeRequest()));
    const response = await client.complete(narrativeRequest({ messages: [{ role: 'user', content: 'PHASE: response' }] }));
    const options = await client.structured({ ...narrativeRequest(), schema: z.object({ options: z.array(z.string()) }), schemaName: 'player_options' });
    expect(narrative.join('')).toBe('Rain drums on the tavern roof.');
    expect(response.text).toBe('The orc grunts.');
    expect(options).toMatchObject({ ok: true, value: { options: ['Fight', 'Flee'] } });
    expect(fake.requests.map((request) => request.stream)).toEqual([true, false, false]);
  });

  it('answers other routes with an OpenAI-style 404', async () => {
    const response = await fetch(`${fake.url}/models`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'unknown_url' } });
  });
});
