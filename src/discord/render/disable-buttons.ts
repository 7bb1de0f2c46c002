import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
} from 'discord.js';
import { BUTTON_LABEL_LIMIT } from '../../constants.ts';
import { decodeCustomId } from '../custom-id.ts';
import { shortenLabel } from './button-label.ts';
import type { OptionCheck } from '../../dm/types.ts';
import { buildOptionRow } from './option-buttons.ts';

type MessageRow = APIActionRowComponent<APIComponentInMessageActionRow>;

const chosenMark = '✓ ';

/**
 * The rows of a turn's message once its choice has passed: every option button disabled, so nobody clicks a stale
 * option, and the chosen one (if any) kept visible in green with a check mark as a record of what the party did.
 * Components this module does not own are left as they are.
 */
export function disableOptionRows(rows: readonly MessageRow[], chosenCustomId?: string): MessageRow[] {
  return rows.map((row) => ({
    ...row,
    components: row.components.map((component) => {
      if (component.type !== ComponentType.Button || !('custom_id' in component)) return component;
      if (decodeCustomId(component.custom_id) === null) return component;
      return disabledButton(component, component.custom_id === chosenCustomId);
    }),
  }));
}

function disabledButton(button: APIButtonComponentWithCustomId, chosen: boolean): APIButtonComponentWithCustomId {
  if (!chosen) return { ...button, style: ButtonStyle.Secondary, disabled: true };
  const label = button.label ?? '';
  const markedLabel = label.startsWith(chosenMark)
    ? label
    : `${chosenMark}${shortenLabel(label, BUTTON_LABEL_LIMIT - chosenMark.length)}`.trim();
  return { ...button, style: ButtonStyle.Success, label: markedLabel, disabled: true };
}

/** The disabled rows of an old turn straight from its stored options, without fetching the message. */
export function buildRetiredOptionRows(
  turnId: string,
  options: readonly string[],
  chosenIndex: number | null,
  checks?: readonly (OptionCheck | null)[],
): MessageRow[] {
  const row = buildOptionRow(turnId, options, checks);
  if (row === null) return [];
  const chosen = chosenIndex === null ? undefined : row.components[chosenIndex]?.custom_id;
  return disableOptionRows([row], chosen);
}
