import type { SceneMetadata } from '../events.ts';
import type { CampaignBrief, PastTurn, PlayerAction } from '../types.ts';

// Renders the campaign state as plain text sections. Deterministic: the same state gives the same
// bytes, which is what lets the provider reuse the cached prefix across the four phases of a turn.

export function renderCampaign(campaign: CampaignBrief): string {
  const lines = [`## Campaign`, `Premise: ${campaign.premise}`, `Tone: ${campaign.tone}`];
  if (campaign.party.length > 0) {
    const party = campaign.party.map((member) =>
      member.character ? `- ${member.name}: ${member.character}` : `- ${member.name}`,
    );
    lines.push('', '## Party', ...party);
  }
  if (campaign.summary.trim() !== '') lines.push('', '## Story so far', campaign.summary.trim());
  return lines.join('\n');
}

export function renderScene(scene: SceneMetadata | null): string {
  if (scene === null) return '## Current scene\nNone yet: this is the opening of the campaign.';
  const elements = scene.scene_elements;
  return [
    '## Current scene',
    `Location: ${elements.current_location}`,
    `Conditions: ${scene.environmental_conditions}`,
    `Immediate threats: ${scene.immediate_threats}`,
    `Story progression: ${scene.story_progression}`,
    `NPCs present: ${listOrNone(elements.npcs_present)}`,
    `Objects of interest: ${listOrNone(elements.objects_of_interest)}`,
  ].join('\n');
}

export function renderActions(actions: PlayerAction[]): string {
  return actions.map((action) => `- ${action.playerName}: ${action.text}`).join('\n');
}

export function renderRecentTurns(turns: PastTurn[]): string {
  if (turns.length === 0) return '';
  const rendered = turns.map((turn, index) => {
    const actions = turn.actions.length > 0 ? renderActions(turn.actions) : '- (the campaign opened)';
    return [`### Turn ${index + 1}`, 'Actions:', actions, 'Narrative:', turn.narrative, 'Outcome:', turn.response].join('\n');
  });
  return ['## Recent turns (oldest first)', ...rendered].join('\n\n');
}

function listOrNone(items: string[]): string {
  return items.length > 0 ? items.join(', ') : 'none';
}
