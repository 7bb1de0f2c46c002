import { modelTiming } from './bench-settings.ts';

// The text every fake turn streams. Both start with a word found nowhere else, so a write that shows narrative text
// can be told apart from one that only changes buttons.

export const NARRATIVE_FIRST_WORD = 'Lanterns';
const RESPONSE_FIRST_WORD = 'Mirelle';

const vocabulary = (
  'sway over the black canals while rain needles slate roofs and somewhere beyond the harbour a bell tolls ' +
  'for the drowned quarter of Vell'
).split(' ');

/** `count` words in sentences of twelve, starting with `firstWord`. */
function prose(firstWord: string, count: number): string {
  const words = Array.from({ length: count }, (_, index) => (index === 0 ? firstWord : (vocabulary[index % vocabulary.length] ?? 'and')));
  return words.map((word, index) => ((index + 1) % 12 === 0 || index === count - 1 ? `${word}.` : word)).join(' ');
}

export const narrativeText = prose(NARRATIVE_FIRST_WORD, modelTiming.narrativeWords);
export const responseText = prose(RESPONSE_FIRST_WORD, modelTiming.responseWords);
