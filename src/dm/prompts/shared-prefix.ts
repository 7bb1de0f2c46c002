import type { ChatMessage } from '../../llm/types.ts';
import type { TurnContext } from '../types.ts';
import { DUNGEON_MASTER_PERSONA } from './persona.ts';
import { renderActions, renderCampaign, renderRecentTurns, renderScene } from './render-context.ts';

/**
 * The messages every phase call of a turn starts with, byte for byte. Only the phase instruction and
 * the earlier phases' output come after them (DESIGN §5).
 */
export function buildSharedPrefix(context: TurnContext): ChatMessage[] {
  const sections = [renderCampaign(context.campaign), renderScene(context.scene)];
  const recent = renderRecentTurns(context.recentTurns);
  if (recent !== '') sections.push(recent);
  sections.push(
    context.actions.length > 0
      ? `## This turn's actions\n${renderActions(context.actions)}`
      : "## This turn's actions\nNone: open the campaign with its first scene.",
  );
  return [
    { role: 'system', content: DUNGEON_MASTER_PERSONA },
    { role: 'user', content: sections.join('\n\n') },
  ];
}
