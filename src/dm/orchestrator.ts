import type { Logger } from 'pino';
import { LlmError } from '../llm/errors.ts';
import type { LlmClient, TokenUsage } from '../llm/types.ts';
import { now, sceneMetadataSchema, type SceneMetadata } from './events.ts';
import { normaliseOptionChoices, optionsOutputSchema } from './normalise-options.ts';
import {
  metadataInstruction,
  NARRATION_LENGTH,
  narrativeInstruction,
  narrativeMaxTokens,
  optionsInstruction,
  responseInstruction,
  WHISPER_MAX_TOKENS,
  whisperInstruction,
} from './prompts/phase-instructions.ts';
import { buildSharedPrefix } from './prompts/shared-prefix.ts';
import { createSafeEmitter } from './safe-sink.ts';
import { runTextPhase } from './streamed-phase.ts';
import type { PhaseTiming, TurnContext, TurnResult, TurnSink, TurnUsage } from './types.ts';

export type PhaseModels = { narrative: string; response: string; options: string; metadata: string };

export type OrchestratorDependencies = { llm: LlmClient; models: PhaseModels; logger: Logger };

/**
 * What the phases of a turn that did not finish had cost, by the error it ended with: budgets count every token the
 * provider reported, not only a delivered turn's. A registry beside the error rather than a new error type, so a
 * failure keeps the kind the table explains to players.
 */
const spentBeforeFailing = new WeakMap<object, TurnUsage>();

export function usageSpentBy(error: unknown): TurnUsage | undefined {
  return typeof error === 'object' && error !== null ? spentBeforeFailing.get(error) : undefined;
}

/** A whisper's private answer, and what it cost on which model. */
export type WhisperAnswer = { text: string; usage: TokenUsage | undefined; model: string };

export type Orchestrator = {
  runTurn(context: TurnContext, sink: TurnSink, signal: AbortSignal): Promise<TurnResult>;
  /**
   * Answers the one whispered action of `context` (whispering: true) for its player alone: one narrated call on the
   * response phase's model, streamed through `onText` (each piece as it comes). Rejects when no text could be had.
   */
  answerWhisper(context: TurnContext, onText: (piece: string) => void, signal: AbortSignal): Promise<WhisperAnswer>;
};

const STRUCTURED_PHASE_MAX_TOKENS = 500;

export function createOrchestrator(dependencies: OrchestratorDependencies): Orchestrator {
  const { llm, models } = dependencies;

  async function runTurn(context: TurnContext, sink: TurnSink, signal: AbortSignal): Promise<TurnResult> {
    const usage: TurnUsage = {};
    try {
      return await playPhases(context, sink, signal, usage);
    } catch (error) {
      if (typeof error === 'object' && error !== null && Object.keys(usage).length > 0) spentBeforeFailing.set(error, usage);
      throw error;
    }
  }

  async function playPhases(context: TurnContext, sink: TurnSink, signal: AbortSignal, usage: TurnUsage): Promise<TurnResult> {
    const logger = dependencies.logger.child({ turnId: context.turnId });
    const emit = createSafeEmitter(sink, logger);
    const prefix = buildSharedPrefix(context);
    const narratedMaxTokens = NARRATION_LENGTH[context.rules.length].maxTokens;
    const shared = { cacheKey: `campaign-${context.campaign.id}`, signal };
    const timings: TurnResult['timings'] = {};

    const narrative = await runTextPhase({
      llm,
      logger,
      streaming: context.streaming,
      request: { ...shared, model: models.narrative, maxTokens: narrativeMaxTokens(context), messages: [...prefix, narrativeInstruction(context)] },
      emitChunk: (content, isFinal) => emit({ type: 'narrative_chunk', content, is_final: isFinal, timestamp: now() }),
    });
    record('narrative', narrative.usage, narrative.timing);

    const response = await runTextPhase({
      llm,
      logger,
      streaming: context.streaming,
      request: {
        ...shared,
        model: models.response,
        maxTokens: narratedMaxTokens,
        messages: [...prefix, responseInstruction(context, narrative.text)],
      },
      emitChunk: (content, isFinal) => emit({ type: 'player_response_chunk', content, is_final: isFinal, timestamp: now() }),
    });
    record('response', response.usage, response.timing);

    // Metadata needs only the narrated text, so it starts now, beside the options, and never delays them.
    const metadataStartedAt = performance.now();
    const metadataCall = llm
      .structured({
        ...shared,
        model: models.metadata,
        maxTokens: STRUCTURED_PHASE_MAX_TOKENS,
        schema: sceneMetadataSchema,
        schemaName: 'scene_metadata',
        messages: [...prefix, metadataInstruction(narrative.text, response.text)],
      })
      .catch((error: unknown) => {
        // Only an abort throws from structured(); the turn's metadata is then simply absent.
        logger.info({ err: error }, 'metadata phase stopped');
        return undefined;
      });

    const optionsStartedAt = performance.now();
    const optionsResult = await llm.structured({
      ...shared,
      model: models.options,
      maxTokens: STRUCTURED_PHASE_MAX_TOKENS,
      schema: optionsOutputSchema,
      schemaName: 'player_options',
      messages: [...prefix, optionsInstruction(narrative.text, response.text)],
    });
    if (signal.aborted) throw new LlmError('aborted', 'the turn was aborted');
    if (!optionsResult.ok) {
      logger.warn({ error: optionsResult.error, message: optionsResult.message }, 'options failed after every repair; using safe defaults');
    } else if (optionsResult.truncated) {
      logger.warn({ model: models.options, maxTokens: STRUCTURED_PHASE_MAX_TOKENS, cut: optionsResult.value.options.at(-1) }, 'options were cut at the token cap; the last one is left out');
    }
    const { options, checks } = optionsResult.ok ? normaliseOptionChoices(optionsResult.value.options, { lastIsCut: optionsResult.truncated }) : normaliseOptionChoices([]);
    const optionsDuration = performance.now() - optionsStartedAt;
    record('options', optionsResult.usage, {
      firstTokenMs: optionsDuration,
      durationMs: optionsDuration,
      via: optionsResult.ok ? 'structured' : 'default',
    });
    emit({ type: 'player_options', options, ...(checks === undefined ? {} : { checks }), timestamp: now() });

    const metadata = metadataCall.then((result): SceneMetadata | null => {
      const duration = performance.now() - metadataStartedAt;
      if (result === undefined || signal.aborted) return null;
      record('metadata', result.usage, { firstTokenMs: duration, durationMs: duration, via: result.ok ? 'structured' : 'default' });
      if (!result.ok) {
        logger.warn({ error: result.error, message: result.message }, 'metadata failed after every repair; scene kept as it was');
        return null;
      }
      emit({ type: 'metadata_update', metadata: result.value, timestamp: now() });
      return result.value;
    });

    return { narrative: narrative.text, response: response.text, options, ...(checks === undefined ? {} : { checks }), usage, timings, metadata };

    function record(phase: keyof TurnUsage, phaseUsage: TokenUsage | undefined, timing: PhaseTiming): void {
      if (phaseUsage !== undefined) usage[phase] = phaseUsage;
      timings[phase] = timing;
    }
  }

  async function answerWhisper(context: TurnContext, onText: (piece: string) => void, signal: AbortSignal): Promise<WhisperAnswer> {
    const logger = dependencies.logger.child({ whisperId: context.turnId });
    const answer = await runTextPhase({
      llm,
      logger,
      streaming: context.streaming,
      request: {
        cacheKey: `campaign-${context.campaign.id}`,
        signal,
        model: models.response,
        maxTokens: WHISPER_MAX_TOKENS,
        messages: [...buildSharedPrefix(context), whisperInstruction()],
      },
      emitChunk: (content) => {
        // The listener is the command's renderer: a throw there must not cost the player the answer.
        try {
          if (content !== '') onText(content);
        } catch (error) {
          logger.warn({ err: error }, 'the whisper listener threw');
        }
      },
    });
    return { text: answer.text, usage: answer.usage, model: models.response };
  }

  return { runTurn, answerWhisper };
}
