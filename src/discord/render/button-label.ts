import { BUTTON_LABEL_LIMIT } from '../../constants.ts';
import { checkNotation } from '../../campaign/option-check.ts';
import type { OptionCheck } from '../../dm/types.ts';
import { splitText } from './split-text.ts';

const ellipsis = '…';

/**
 * A button label from model text: one line, at most `limit` long. A longer text is cut at a sentence or word
 * boundary and ends with "…"; the full text stays in the store and is what the prompt gets.
 */
export function shortenLabel(text: string, limit: number = BUTTON_LABEL_LIMIT): string {
  // Option text is parsed JSON, and JSON can hold half a surrogate pair ("\ud83d"): not text Discord can store, so the
  // label could cost the turn its final edit. Lone halves become U+FFFD (test/discord-render/fuzz.test.ts).
  const oneLine = text.toWellFormed().replace(/\s+/gu, ' ').trim();
  if (oneLine.length <= limit) return oneLine;
  const head = splitText(oneLine, limit - ellipsis.length)[0] ?? '';
  // A dangling comma or colon before the ellipsis reads like a typo.
  return `${head.replace(/[\s,;:–—-]+$/u, '')}${ellipsis}`;
}

const checkMark = '🎲 ';

/**
 * The label of an option that is a check: the die in front and the roll behind (`🎲 Sneak past the guard (d20+DEX)`),
 * so players know before they click that the table rolls for them. Only the option's text is shortened: the roll is
 * what the click will do and always shows whole.
 */
export function checkLabel(text: string, check: OptionCheck, limit: number = BUTTON_LABEL_LIMIT): string {
  const suffix = ` (${checkNotation(check)})`;
  return `${checkMark}${shortenLabel(text, limit - checkMark.length - suffix.length)}${suffix}`;
}
