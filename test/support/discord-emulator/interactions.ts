import type { APIInteraction, InteractionType } from 'discord-api-types/v10';

export type InteractionAcknowledgement = { type: number; at: number };

export type InteractionRecord = {
  id: string;
  token: string;
  type: InteractionType;
  commandName: string | null;
  customId: string | null;
  channelId: string;
  userId: string;
  dispatchedAt: number;
  acknowledgement: InteractionAcknowledgement | null;
  ephemeral: boolean;
  // The message `@original` points at: the response of a command, or the message whose component was used (until
  // a type-4 reply to the component creates a new one).
  originalMessageId: string | null;
  // For component interactions: the message that carries the clicked component.
  sourceMessageId: string | null;
  followUpIds: string[];
  // Callbacks refused for lateness or a second acknowledgement, with the code Discord answered.
  refusedCallbacks: { at: number; code: number }[];
  payload: APIInteraction;
};

export type InteractionRegistry = ReturnType<typeof createInteractionRegistry>;

export function createInteractionRegistry() {
  const records = new Map<string, InteractionRecord>();
  return {
    add(record: InteractionRecord): void {
      records.set(record.id, record);
    },
    get(id: string): InteractionRecord | undefined {
      return records.get(id);
    },
    byToken(token: string): InteractionRecord | undefined {
      for (const record of records.values()) if (record.token === token) return record;
      return undefined;
    },
    all(): InteractionRecord[] {
      return [...records.values()];
    },
  };
}
