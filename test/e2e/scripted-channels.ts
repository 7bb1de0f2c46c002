import { expect } from 'vitest';
import { WRITING_MARK } from '../../src/discord/render/turn-renderer.ts';
import { dmResponder, phaseOf, type DmPhase, type DmScript } from '../support/dm-script.ts';
import type { DiscordEmulator, MessageSnapshot } from '../support/discord-emulator/index.ts';
import type { RecordedRequest, Reply, Responder } from '../support/fake-openai.ts';

// For end-to-end suites whose cases each play in a channel of their own, so what a case counts is its own doing (the
// fault matrix, turn delivery, the X-card): a fake DM whose replies are scripted per channel and phase, readers of
// what the DM was asked (the actions of a narrative request) and of the GM's `/gm export`, and the exactly-once check
// built on both.

/** The premise a case's campaign is started with: how a request is traced back to its channel. */
export function premiseOf(channel: string): string {
  return `The fault drill of #${channel}`;
}

export function channelOf(request: RecordedRequest, channels: readonly string[]): string | undefined {
  const prompt = request.messages[1]?.content ?? '';
  return channels.find((channel) => prompt.includes(`Premise: ${premiseOf(channel)}\n`));
}

export type ChannelScript = {
  responder: Responder;
  /** Replies to the next requests of `phase` in `channel`, one each, in order; the default DM answers the others. */
  next(channel: string, phase: DmPhase, ...replies: Reply[]): void;
  /** Answers every request of `channel` with `reply` while it is set (a server that is down, say); undefined lifts it. */
  override(channel: string, reply: ((request: RecordedRequest) => Reply | undefined) | undefined): void;
  /** Scripted replies not used yet: a case must have spent all of its own. */
  unused(channel: string): Array<{ phase: DmPhase; kind: Reply['kind'] }>;
};

export function createChannelScript(channels: readonly string[], defaults: DmScript = {}): ChannelScript {
  const base = dmResponder(defaults);
  const queued = new Map<string, Array<{ phase: DmPhase; reply: Reply }>>();
  const overrides = new Map<string, (request: RecordedRequest) => Reply | undefined>();
  return {
    responder(request) {
      const channel = channelOf(request, channels);
      if (channel !== undefined) {
        const overridden = overrides.get(channel)?.(request);
        if (overridden !== undefined) return overridden;
        const list = queued.get(channel) ?? [];
        const phase = phaseOf(request);
        const index = list.findIndex((entry) => entry.phase === phase);
        if (index !== -1) return list.splice(index, 1)[0]?.reply ?? base(request);
      }
      return base(request);
    },
    next(channel, phase, ...replies) {
      const list = queued.get(channel) ?? [];
      list.push(...replies.map((reply) => ({ phase, reply })));
      queued.set(channel, list);
    },
    override(channel, reply) {
      if (reply === undefined) overrides.delete(channel);
      else overrides.set(channel, reply);
    },
    unused(channel) {
      return (queued.get(channel) ?? []).map((entry) => ({ phase: entry.phase, kind: entry.reply.kind }));
    },
  };
}

/**
 * The lines of a narrative request's "## This turn's actions" section (the end of the shared prefix), each read back
 * as "Name: words". An opening has none.
 */
export function actionsAskedFor(request: RecordedRequest): string[] {
  const prompt = request.messages[1]?.content ?? '';
  const heading = "## This turn's actions\n";
  const at = prompt.lastIndexOf(heading);
  if (at === -1) return [];
  return prompt
    .slice(at + heading.length)
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2).replace(/^([^:]+): (".*")$/, (_match, name: string, words: string) => `${name}: ${JSON.parse(words) as string}`));
}

export function requestsOf(requests: readonly RecordedRequest[], channels: readonly string[], channel: string, phase: DmPhase): RecordedRequest[] {
  return requests.filter((request) => phaseOf(request) === phase && channelOf(request, channels) === channel);
}

export type LoggedTurn = { number: number; status: 'delivered' | 'replaced' | 'withdrawn' | 'undone'; opening: boolean; actions: string[]; text: string };

/** The turns of a `/gm export` Markdown file, in order; actions read "Name: words" (a chosen option too). */
export function parseCampaignLog(markdown: string): LoggedTurn[] {
  const sections = markdown.split(/^(?=### Turn )/m).slice(1);
  return sections.map((section) => {
    const heading = /^### Turn (\d+)(.*)$/m.exec(section);
    const rest = heading?.[2] ?? '';
    const actions = [...section.matchAll(/^- \*\*(.+?)\*\*(?: chose)?: (.*)$/gm)].map((match) => `${match[1]}: ${match[2]}`);
    return {
      number: Number(heading?.[1] ?? 0),
      status: rest.includes('replaced by a reroll') ? 'replaced' : rest.includes('withdrawn') ? 'withdrawn' : rest.includes('undone') ? 'undone' : 'delivered',
      opening: rest.includes('the opening scene'),
      actions,
      text: section,
    };
  });
}

/** The GM's `/gm export` of the channel's campaign, as the GM receives it (a private Markdown attachment). */
export async function exportedLog(discord: DiscordEmulator, channel: string): Promise<LoggedTurn[]> {
  const view = await discord.slashCommand({ channel, user: 'gm', name: 'gm', subcommand: 'export' }).reply(undefined, { timeoutMs: 10_000 });
  const file = view.original?.attachments[0];
  if (file === undefined) throw new Error(`no export file in #${channel}: ${view.original?.content ?? '(no answer)'}`);
  return parseCampaignLog(file.text);
}

/**
 * Exactly once, from both sides: in the GM's log every accepted action is in exactly one delivered turn (and nothing
 * else is), and each delivered turn was asked of the DM as exactly that batch (a narrative request of the channel
 * whose actions are the turn's). Returns the delivered turns that answered actions, oldest first.
 */
export async function expectAnsweredOnce(
  discord: DiscordEmulator,
  narratives: readonly RecordedRequest[],
  channel: string,
  accepted: readonly string[],
): Promise<LoggedTurn[]> {
  const log = await exportedLog(discord, channel);
  const delivered = log.filter((turn) => turn.status === 'delivered' && !turn.opening);
  const answered = delivered.flatMap((turn) => turn.actions);
  for (const action of accepted) expect(answered.filter((line) => line === action), `answers to "${action}" in #${channel}`).toHaveLength(1);
  expect([...answered].sort(), `the actions answered in #${channel}`).toEqual([...accepted].sort());
  const asked = narratives.map(actionsAskedFor);
  for (const turn of delivered) {
    expect(asked, `a narrative request for turn ${turn.number} of #${channel}`).toContainEqual(turn.actions);
  }
  return delivered;
}

/** The bot's turn messages in a channel (not its answers to commands and clicks), oldest first. */
export function turnMessages(discord: DiscordEmulator, channel: string): MessageSnapshot[] {
  return discord
    .messages(channel)
    .filter((message) => message.authorId === discord.bot.id && !message.ephemeral && (message.interactionId === null || isTurnFollowUp(discord, message)));
}

/**
 * A turn started by a click, /act or /gm start streams through that interaction's webhook: its messages are the
 * interaction's follow-ups. A click that started its turn at once updated the clicked message and posted its public
 * line as its first follow-up, as /gm start posts its announcement before the opening; a click queued for a later
 * turn, like /act, answered with that line as its original response, so all of its follow-ups are the turn's. Other
 * commands' follow-ups are their announcements.
 */
function isTurnFollowUp(discord: DiscordEmulator, message: MessageSnapshot): boolean {
  if (message.interactionId === null) return false;
  const view = discord.interactionReplies(message.interactionId);
  const lineFirst = (view.kind === 'component' && view.acknowledgement?.type === 7) || (view.commandName === 'gm' && view.subcommand === 'start');
  const turnFollowUps = lineFirst ? view.followUps.slice(1) : view.kind === 'component' || view.commandName === 'act' ? view.followUps : [];
  return turnFollowUps.some((followUp) => followUp.id === message.id);
}

/** Buttons that are the DM's options (a "Try again" button on a failure note is not one). */
export function optionButtons(message: MessageSnapshot | undefined) {
  return (message?.buttons ?? []).filter((button) => button.customId?.startsWith('dm:opt:') === true);
}

/** A turn is over in the channel: a message after `afterId` carries enabled option buttons. */
export function waitForTurnAfter(discord: DiscordEmulator, channel: string, afterId: string, timeoutMs = 15_000): Promise<MessageSnapshot> {
  return discord.waitFor(
    () =>
      turnMessages(discord, channel).find(
        (message) => BigInt(message.id) > BigInt(afterId) && optionButtons(message).some((button) => !button.disabled),
      ),
    { timeoutMs, description: `a turn with option buttons in #${channel} after message ${afterId}` },
  );
}

/** The visible failure note: the words matter, not the exact sentence (a "Try again" button may come with it). */
export const KEPT_NOTE = /\*\(interrupted — .*your actions are kept.*\)\*/s;

/** A failure note after `afterId`: the players are told, and the turn is no longer being written. */
export function waitForFailureNote(discord: DiscordEmulator, channel: string, afterId: string, timeoutMs = 15_000): Promise<MessageSnapshot> {
  return discord.waitFor(
    () =>
      turnMessages(discord, channel).find(
        (message) => BigInt(message.id) > BigInt(afterId) && KEPT_NOTE.test(message.content) && !message.content.includes(WRITING_MARK),
      ),
    { timeoutMs, description: `a failure note saying the actions are kept in #${channel}` },
  );
}

/** What players must never read: a stack trace, an error class, a key, a raw HTTP body. */
export function expectNothingInternal(text: string, secrets: readonly string[] = []): void {
  expect(text).not.toMatch(/\n\s+at |Error:|LlmError|APIError|\bstatus\b|\{"error"|ECONN|sk-/);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

export { WRITING_MARK };
