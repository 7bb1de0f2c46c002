import type { PlayerAction } from '../dm/types.ts';
import type { Campaign, LoreEntry, StoredTurn, StoredWhisper } from './types.ts';
import { whisperWithdrawn } from './whispers.ts';

// The campaign's log as a Markdown document for the GM (`/gm export`): the premise, the running summary, the lorebook
// (the export is the GM's, so every entry, called up or not), then every delivered turn in order, with the players'
// actions, the dice rolled before it, the DM's text, the options offered and which one was taken.
// Turns taken back by `/gm undo` or the X-card, or replaced by `/gm reroll`, stay in the log, marked, so the export is
// the whole story.
// Whispers appear after the turn they followed, each marked private: the GM reads them, the table never did.

const STATUS_MARKS: Partial<Record<StoredTurn['status'], string>> = {
  discarded: ' (replaced by a reroll)',
  // Never who tapped it: the X-card is anonymous, to the GM too.
  withdrawn: ' (withdrawn with the X-card)',
  undone: ' (undone by the GM)',
};

export function renderCampaignLog(
  campaign: Campaign,
  entries: readonly StoredTurn[],
  lore: readonly LoreEntry[] = [],
  whispers: readonly StoredWhisper[] = [],
): string {
  const lines: string[] = [
    `# Campaign log`,
    '',
    `- **Premise:** ${campaign.premise}`,
    `- **Tone:** ${campaign.tone}`,
    `- **Started:** ${campaign.createdAt}`,
    `- **Status:** ${campaign.status}, ${campaign.turnCount} turns`,
    `- **Party:** ${campaign.party.length > 0 ? campaign.party.map((member) => member.name).join(', ') : 'nobody has acted yet'}`,
    '',
    '## Story so far (the DM\'s running summary)',
    '',
    campaign.summary.trim() === '' ? '_Nothing summarised yet: the turns below are the whole story._' : campaign.summary.trim(),
    '',
    '## Lorebook',
    '',
    ...(lore.length === 0 ? ['_No lore entries._'] : lore.map((entry) => `- **${inline(entry.keys.join(', '))}**: ${inline(entry.text)}`)),
    '',
    '## Turns',
  ];
  const choices = choicesByTurn(entries);
  const placed = new Set<string>();
  const whispersAfter = (turnId: string | null): string[] =>
    whispers
      .filter((whisper) => whisper.afterTurnId === turnId)
      .flatMap((whisper) => {
        placed.add(whisper.id);
        return ['', renderWhisper(whisper, entries)];
      });
  for (const entry of entries) {
    lines.push('', ...renderEntry(entry, choices.get(entry.turnId) ?? []), ...whispersAfter(entry.turnId));
  }
  if (entries.length === 0) lines.push('', '_No turn has been played yet._');
  // A whisper whose turn is no longer in the log (a log cut short) still belongs to the GM's record.
  for (const whisper of whispers) if (!placed.has(whisper.id)) lines.push('', renderWhisper(whisper, entries));
  return `${lines.join('\n')}\n`;
}

function renderEntry(entry: StoredTurn, choices: { action: PlayerAction; undone: boolean }[]): string[] {
  const mark = STATUS_MARKS[entry.status] ?? '';
  if (entry.kind === 'narration') {
    return [`### Turn ${entry.number}: the GM narrates${mark}`, '', quote(entry.narrative)];
  }
  const lines = [`### Turn ${entry.number}${entry.actions.length === 0 ? ': the opening scene' : ''}${mark}`, ''];
  if (entry.rolls !== undefined && entry.rolls.length > 0) {
    lines.push('**Dice rolled before this turn**', '');
    for (const roll of entry.rolls) {
      const who = roll.characterName === undefined ? roll.playerName : `${roll.playerName} (${roll.characterName})`;
      lines.push(`- 🎲 **${inline(who)}** rolled ${inline(roll.expression)}${roll.reason === '' ? '' : ` for ${inline(roll.reason)}`}: ${inline(roll.rolls)} = ${roll.total}`);
    }
    lines.push('');
  }
  if (entry.actions.length > 0) {
    lines.push('**Actions**', '');
    for (const action of entry.actions) {
      lines.push(`- **${action.playerName}**${action.source === 'option' ? ' chose' : ''}: ${inline(action.text)}${checkOf(action)}`);
    }
    lines.push('');
  }
  lines.push(entry.narrative.trim(), '');
  if (entry.response.trim() !== '') lines.push(entry.response.trim(), '');
  if (entry.options.length > 0) {
    lines.push('**Options offered**', '');
    entry.options.forEach((option, index) => {
      const takers = choices
        .filter(({ action }) => action.choice?.index === index)
        .map(({ action, undone }) => (undone ? `${action.playerName}, undone` : action.playerName));
      lines.push(`${index + 1}. ${inline(option)}${takers.length > 0 ? ` (chosen by ${takers.join('; ')})` : ''}`);
    });
  }
  return lines;
}

function renderWhisper(whisper: StoredWhisper, entries: readonly StoredTurn[]): string {
  const who = whisper.characterName === undefined ? whisper.playerName : `${whisper.playerName} (${whisper.characterName})`;
  const taken = whisperWithdrawn(whisper, entries) ? ', its turn was taken back' : '';
  return [`> 🤫 **Private whisper** from **${inline(who)}** (only they read the answer${taken})`, '>', quote(`**${inline(whisper.playerName)}:** ${whisper.text}`), '>', quote(`**DM:** ${whisper.answer}`)].join('\n');
}

/** A check's roll beside its choice, so the GM's record shows the numbers the DM was given. */
function checkOf(action: PlayerAction): string {
  const check = action.check;
  if (check === undefined) return '';
  const against = check.difficulty === null ? '' : ` vs DC ${check.difficulty}: ${check.success === true ? 'success' : 'failure'}`;
  return ` (🎲 ${check.expression}: ${inline(check.rolls)} = ${check.total}${against})`;
}

/**
 * Which later actions were clicks on each turn's options. A rerolled turn carries the same actions as the version it
 * replaced: each action counts once, as its latest entry stands (a choice whose turn was undone is marked so).
 */
function choicesByTurn(entries: readonly StoredTurn[]): Map<string, { action: PlayerAction; undone: boolean }[]> {
  const latest = new Map<string, { action: PlayerAction; undone: boolean }>();
  for (const entry of entries) {
    for (const action of entry.actions) {
      if (action.choice !== undefined) latest.set(action.id, { action, undone: entry.status === 'undone' });
    }
  }
  const choices = new Map<string, { action: PlayerAction; undone: boolean }[]>();
  for (const choice of latest.values()) {
    const turnId = choice.action.choice?.turnId ?? '';
    choices.set(turnId, [...(choices.get(turnId) ?? []), choice]);
  }
  return choices;
}

function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/** One line of Markdown: a player's text cannot start a heading or a list of its own. */
function inline(text: string): string {
  return text.replace(/\s*\n+\s*/g, ' ').trim();
}
