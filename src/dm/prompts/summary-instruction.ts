import type { ChatMessage } from '../../llm/types.ts';
import type { PastTurn } from '../types.ts';
import { DUNGEON_MASTER_PERSONA } from './persona.ts';
import { quoted, renderRecentTurns, singleLine } from './render-context.ts';

/** Long enough for a campaign's threads and names, short enough that the prompt stays bounded for ever. */
export const SUMMARY_TARGET_CHARACTERS = 1500;

export function summaryMessages(input: { premise: string; summary: string; turns: PastTurn[] }): ChatMessage[] {
  return [
    { role: 'system', content: DUNGEON_MASTER_PERSONA },
    {
      role: 'user',
      content: [
        `Campaign premise: ${singleLine(input.premise)}`,
        `## Story so far\n${input.summary.trim() === '' ? '(nothing yet)' : quoted(input.summary)}`,
        renderRecentTurns(input.turns).replace('## Recent turns (oldest first)', '## Turns to fold in (oldest first)'),
        `Rewrite "Story so far" so that it also covers the turns above, in under ${SUMMARY_TARGET_CHARACTERS} characters of plain prose.`,
        'Keep what later turns need: names of characters and places, promises, debts, open threads, items, who did what.',
        'Drop atmosphere and repetition. Answer with the new summary only, as plain prose without the quote marks.',
      ].join('\n\n'),
    },
  ];
}
