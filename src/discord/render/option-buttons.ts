import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId } from 'discord.js';
import { BUTTONS_PER_ROW_LIMIT } from '../../constants.ts';
import { encodeOptionId, encodeRetryId } from '../custom-id.ts';
import type { OptionCheck } from '../../dm/types.ts';
import { checkLabel, shortenLabel } from './button-label.ts';

export type OptionRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

/** Under a failed turn: anyone at the table may run its kept actions again now. */
export function buildRetryRow(turnId: string): OptionRow {
  return {
    type: ComponentType.ActionRow,
    components: [{ type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Try again', emoji: { name: '🔁' }, custom_id: encodeRetryId(turnId) }],
  };
}

/**
 * The option buttons of a turn, in one action row (plain API JSON, so it is sent as is and easy to inspect).
 * Null when there is nothing to choose, because Discord refuses an empty row. `checks`, beside `options`: the
 * options that are checks show their roll.
 */
export function buildOptionRow(turnId: string, options: readonly string[], checks?: readonly (OptionCheck | null)[]): OptionRow | null {
  const shown = options.slice(0, BUTTONS_PER_ROW_LIMIT);
  if (shown.length === 0) return null;
  return {
    type: ComponentType.ActionRow,
    components: shown.map((option, index) => ({
      type: ComponentType.Button,
      style: ButtonStyle.Primary,
      // Discord refuses a button without a label or emoji; the option schema allows whitespace-only text.
      label: labelOf(option, checks?.[index] ?? null) || `Option ${index + 1}`,
      custom_id: encodeOptionId(turnId, index),
    })),
  };
}

function labelOf(option: string, check: OptionCheck | null): string {
  if (check === null) return shortenLabel(option);
  return shortenLabel(option) === '' ? '' : checkLabel(option, check);
}
