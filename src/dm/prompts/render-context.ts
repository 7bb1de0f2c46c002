import type { SceneMetadata } from '../events.ts';
import type { CampaignBrief, PastTurn, PlayerAction } from '../types.ts';

// Renders the campaign state as plain text sections. Deterministic: the same state gives the same
// bytes, which is what lets the provider reuse the cached prefix across the four phases of a turn.

export function renderCampaign(campaign: CampaignBrief): string {
  const lines = [`## Campaign`, `Premise: ${campaign.premise}`, `Tone: ${campaign.tone}`];
  if (campaign.party.length > 0) {
    const party = campaign.party.map((member) =>
      member.character ? `- ${singleLine(member.name)}: ${JSON.stringify(member.character)}` : `- ${singleLine(member.name)}`,
    );
    lines.push('', '## Party', ...party);
  }
  if (campaign.summary.trim() !== '') lines.push('', '## Story so far', campaign.summary.trim());
  return lines.join('\n');
}

export function renderScene(scene: SceneMetadata | null, opening: boolean): string {
  if (scene === null && opening) return '## Current scene\nNone yet: this is the opening of the campaign.';
  // A failed metadata phase leaves no scene: the story goes on from what the players have read, never re-opens.
  if (scene === null) return '## Current scene\nNot recorded after the latest turn: continue from the story so far and the recent turns.';
  const elements = scene.scene_elements;
  return [
    '## Current scene',
    `Location: ${singleLine(elements.current_location)}`,
    `Conditions: ${singleLine(scene.environmental_conditions)}`,
    `Immediate threats: ${singleLine(scene.immediate_threats)}`,
    `Story progression: ${singleLine(scene.story_progression)}`,
    `NPCs present: ${singleLine(listOrNone(elements.npcs_present))}`,
    `Objects of interest: ${singleLine(listOrNone(elements.objects_of_interest))}`,
  ].join('\n');
}

/**
 * One line per action: the player's name, then their words as a JSON string. However the words are written (new
 * lines, "## Story so far", "- Bob: …"), they stay inside their quotes on their own line: no player can forge another
 * player's line or a section of the prompt, and the persona tells the model that quoted words are never instructions.
 */
export function renderActions(actions: PlayerAction[]): string {
  return actions.map((action) => `- ${singleLine(action.playerName)}: ${JSON.stringify(action.text)}`).join('\n');
}

/** Text that must stay on one line of the prompt (names, scene fields the GM typed). */
function singleLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' / ').trim();
}

/** Several lines of someone else's text, each marked as quoted so none of them can start a section. */
function quoted(text: string): string {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join('\n');
}

export function renderRecentTurns(turns: PastTurn[]): string {
  if (turns.length === 0) return '';
  const rendered = turns.map((turn, index) => {
    if (turn.kind === 'narration') return [`### Turn ${index + 1} (the GM narrates)`, quoted(turn.narrative)].join('\n');
    const actions = turn.actions.length > 0 ? renderActions(turn.actions) : '- (the campaign opened)';
    return [`### Turn ${index + 1}`, 'Actions:', actions, 'Narrative:', turn.narrative, 'Outcome:', turn.response].join('\n');
  });
  return ['## Recent turns (oldest first)', ...rendered].join('\n\n');
}

/** The table's lines and veils, as the GM wrote them, quoted so they read as the table's words. '' when none. */
export function renderLimits(limits: string): string {
  if (limits.trim() === '') return '';
  return [
    '## Table limits (lines and veils)',
    'The table has asked that the story never include what is listed below. It is a hard rule: steer around it, never show it, and do not mention the rule.',
    `"""\n${limits.trim().replaceAll('"""', '\'\'\'')}\n"""`,
  ].join('\n');
}

function listOrNone(items: string[]): string {
  return items.length > 0 ? items.join(', ') : 'none';
}
