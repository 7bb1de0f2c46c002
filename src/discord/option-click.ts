import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { PlayerAction } from '../dm/types.ts';
import type { CommandServices } from './command-types.ts';
import { decodeCustomId } from './custom-id.ts';
import { CHOICE_PASSED, HELD_ACTION_NOTE, refusalFor } from './describe-submit.ts';
import { plainText } from './plain-text.ts';
import { playerName } from './player-name.ts';
import { buildRetiredOptionRows } from './render/disable-buttons.ts';
import { followUpPublicly, offerLane } from './render/interaction-lanes.ts';

/**
 * A click on an option button becomes the clicker's action, with the option's full text. The buttons carry only a
 * turn id and an index; the table reads the text from the store and decides whether the choice still counts, so old
 * and forged ids are harmless.
 */
export async function handleOptionClick(interaction: ButtonInteraction, services: Pick<CommandServices, 'tables' | 'lanes' | 'intake'>): Promise<void> {
  const decoded = decodeCustomId(interaction.customId);
  if (decoded === null) {
    await interaction.reply({ content: 'That button is not one of mine.', flags: MessageFlags.Ephemeral });
    return;
  }
  const name = playerName(interaction.user, interaction.inCachedGuild() ? interaction.member : null);
  // The turn this click starts may stream through the click's own webhook (interaction-lanes.ts).
  const lane = services.lanes === undefined ? undefined : offerLane(services.lanes, interaction);
  const outcome = await services.tables.of(interaction.channelId).submit({
    id: interaction.id,
    playerId: interaction.user.id,
    playerName: name,
    text: '',
    source: 'option',
    choice: { turnId: decoded.turnId, index: decoded.index },
  });
  // The turn's model call is on its way: the other players' input waiting behind this click is taken before its answer.
  await services.intake?.afterInputTaken();
  if (outcome.status !== 'started' && outcome.status !== 'queued') {
    lane?.withdraw();
    const refusal = outcome.status === 'not_active' ? CHOICE_PASSED : refusalFor(outcome);
    await interaction.reply({ content: refusal ?? CHOICE_PASSED, flags: MessageFlags.Ephemeral });
    return;
  }
  const line = choiceLine(name, outcome.action);
  if (outcome.status === 'queued') {
    await interaction.reply({ content: `${line}\n-# ${outcome.held === true ? HELD_ACTION_NOTE : 'The DM will answer this with the next turn.'}` });
    lane?.acknowledge();
    return;
  }
  // The click that starts the next turn retires this turn's buttons in its own acknowledgement: interaction
  // callbacks cost nothing from the channel's write budget nor from the global limit, so the new turn's text keeps it.
  const options = optionsOf(interaction, decoded.turnId);
  await interaction.update({ components: buildRetiredOptionRows(decoded.turnId, options, decoded.index) });
  await followUpPublicly(services.lanes, interaction, line);
  // After the choice's line: the turn's first message comes below it.
  lane?.acknowledge();
}

/**
 * What the table sees of a click. A check's roll is public, with the dice and the modifier as they fell, so nobody
 * has to take the DM's word for it: `🎲 **Alice (Vex)** chooses: Sneak past — d20+DEX: [14]+3 = **17** vs DC 15: success`.
 */
export function choiceLine(name: string, action: PlayerAction): string {
  const check = action.check;
  if (check === undefined) return `**${name}** chooses: ${action.text}`;
  const who = check.characterName === undefined ? name : `${name} (${plainText(check.characterName)})`;
  const against = check.difficulty === null ? '' : ` vs DC ${check.difficulty}: ${check.success === true ? 'success' : 'failure'}`;
  return `🎲 **${who}** chooses: ${action.text} — ${check.expression}: ${plainText(check.rolls)} = **${check.total}**${against}`;
}

/** The clicked message's options as its buttons show them; only labels are needed to draw them disabled. */
function optionsOf(interaction: ButtonInteraction, turnId: string): string[] {
  const labels: string[] = [];
  for (const row of interaction.message.components) {
    if (!('components' in row)) continue;
    for (const component of row.components) {
      if ('customId' in component && typeof component.customId === 'string' && decodeCustomId(component.customId)?.turnId === turnId) {
        labels.push('label' in component && typeof component.label === 'string' ? component.label : '');
      }
    }
  }
  return labels;
}
