import type { ChatMessage } from '../../llm/types.ts';
import type { TurnContext } from '../types.ts';
import { DUNGEON_MASTER_PERSONA } from './persona.ts';
import { renderActions, renderCampaign, renderLimits, renderLore, renderRecentTurns, renderRolls, renderScene, renderSpotlight, renderWhispers } from './render-context.ts';

/**
 * The messages every phase call of a turn starts with, byte for byte. Only the phase instruction and
 * the earlier phases' output come after them, so providers can cache the prefix (docs/architecture.md: prompts).
 */
export function buildSharedPrefix(context: TurnContext): ChatMessage[] {
  const sections = [renderCampaign(context.campaign)];
  const limits = renderLimits(context.rules.limits);
  if (limits !== '') sections.push(limits);
  // Before the scene: the lore called up changes less often from turn to turn than the scene does.
  const lore = renderLore(context.lore ?? []);
  if (lore !== '') sections.push(lore);
  // Whispers change only when someone whispers: before the scene too.
  const whispers = renderWhispers(context.whispers ?? []);
  if (whispers !== '') sections.push(whispers);
  sections.push(renderScene(context.scene, context.opening));
  const recent = renderRecentTurns(context.recentTurns);
  if (recent !== '') sections.push(recent);
  const rolls = renderRolls(context.rolls ?? []);
  if (rolls !== '') sections.push(rolls);
  if (context.whispering === true) sections.push(`## Whispered to you privately\n${renderActions(context.actions)}`);
  else if (context.opening) sections.push("## This turn's actions\nNone: open the campaign with its first scene.");
  else sections.push(`## This turn's actions\n${renderActions(context.actions)}`);
  const spotlight = renderSpotlight(context.quiet ?? []);
  if (spotlight !== '') sections.push(spotlight);
  return [
    { role: 'system', content: DUNGEON_MASTER_PERSONA },
    { role: 'user', content: sections.join('\n\n') },
  ];
}
