import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../support/fake-openai.ts';
import { PromptPrefixCache, promptTextOf } from '../support/prompt-prefix-cache.ts';

// The fake model's prefix-cache imitation looks at two sorted neighbours instead of every earlier prompt; it must give
// what comparing with every earlier prompt of the same model and cache key gives.

const requestOf = (model: string, cacheKey: string | undefined, content: string): RecordedRequest =>
  ({ model, body: cacheKey === undefined ? {} : { prompt_cache_key: cacheKey }, messages: [{ role: 'user', content }] }) as RecordedRequest;

function sharedByComparingAll(record: RecordedRequest, earlier: RecordedRequest[]): number {
  const text = promptTextOf(record);
  let longest = 0;
  for (const other of earlier) {
    if (other.model !== record.model || other.body.prompt_cache_key !== record.body.prompt_cache_key) continue;
    const otherText = promptTextOf(other);
    let index = 0;
    while (index < Math.min(text.length, otherText.length) && text[index] === otherText[index]) index += 1;
    longest = Math.max(longest, index);
  }
  return longest;
}

describe('the fake model prefix cache', () => {
  it('finds the longest prefix shared with any earlier prompt of the same model and cache key, with old ones dropped', () => {
    // Long runs of a few letters, so prompts share long prefixes across the 256-character blocks.
    const content = fc
      .array(fc.record({ letter: fc.constantFrom('a', 'b', 'é'), repeat: fc.integer({ min: 1, max: 400 }) }), { maxLength: 4 })
      .map((runs) => runs.map((run) => run.letter.repeat(run.repeat)).join(''));
    const request = fc.record({ model: fc.constantFrom('m1', 'm2'), cacheKey: fc.constantFrom(undefined, '', 'k'), content });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (requests, keep) => {
        const cache = new PromptPrefixCache();
        const kept: RecordedRequest[] = [];
        for (const { model, cacheKey, content: text } of requests) {
          const record = requestOf(model, cacheKey, text);
          expect(cache.sharedCharacters(record)).toBe(sharedByComparingAll(record, kept));
          cache.add(record);
          kept.push(record);
          if (kept.length > keep) for (const dropped of kept.splice(0, kept.length - keep)) cache.remove(dropped);
        }
      }),
    );
  });
});
