import { ApplicationCommandOptionType, ComponentType, MessageFlags, type APIEmbed, type APIMessageTopLevelComponent } from 'discord-api-types/v10';
import type { InteractionRecord } from './interactions.ts';
import { asRecord, asRecords } from './json-shapes.ts';
import type { MessageVersion, StoredMessage } from './message-store.ts';
import type { EmulatorState } from './state.ts';

export type ButtonSnapshot = {
  row: number;
  customId: string | null;
  label: string | null;
  style: number;
  disabled: boolean;
  url: string | null;
};

export type AttachmentSnapshot = { id: string; filename: string; size: number; contentType: string | null; text: string };

// A message as it stands now, with how it got there. Times are emulator-clock milliseconds.
export type MessageSnapshot = {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  // The buttons of `components`, flattened, for easy assertions.
  buttons: ButtonSnapshot[];
  attachments: AttachmentSnapshot[];
  flags: number;
  ephemeral: boolean;
  // A deferred reply not yet edited ("Bot is thinking…").
  loading: boolean;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  deletedAt: number | null;
  // Every state the message went through: versions[0] is the creation, then one per edit.
  versions: MessageVersion[];
  edits: MessageVersion[];
  interactionId: string | null;
  webhookId: string | null;
  referencedMessageId: string | null;
};

export function snapshotMessage(message: StoredMessage): MessageSnapshot {
  return {
    id: message.id,
    channelId: message.channelId,
    authorId: message.authorId,
    content: message.content,
    embeds: structuredClone(message.embeds),
    components: structuredClone(message.components),
    buttons: buttonsOf(message.components),
    attachments: message.attachments.map((attachment) => ({
      id: attachment.id,
      filename: attachment.filename,
      size: attachment.size,
      contentType: attachment.contentType,
      text: attachment.data.toString('utf8'),
    })),
    flags: message.flags,
    ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
    loading: (message.flags & MessageFlags.Loading) !== 0,
    createdAt: message.createdAt,
    editedAt: message.editedAt,
    deleted: message.deletedAt !== null,
    deletedAt: message.deletedAt,
    versions: structuredClone(message.versions),
    edits: structuredClone(message.versions.slice(1)),
    interactionId: message.interaction?.id ?? null,
    webhookId: message.webhookId,
    referencedMessageId: message.referencedMessageId,
  };
}

export function buttonsOf(components: readonly APIMessageTopLevelComponent[]): ButtonSnapshot[] {
  const buttons: ButtonSnapshot[] = [];
  const visit = (component: Record<string, unknown>, row: number): void => {
    if (component.type === ComponentType.Button) {
      buttons.push({
        row,
        customId: typeof component.custom_id === 'string' ? component.custom_id : null,
        label: typeof component.label === 'string' ? component.label : null,
        style: typeof component.style === 'number' ? component.style : 0,
        disabled: component.disabled === true,
        url: typeof component.url === 'string' ? component.url : null,
      });
    }
    for (const child of asRecords(component.components)) visit(child, row);
    if (component.accessory !== undefined) visit(asRecord(component.accessory), row);
  };
  components.forEach((component, row) => visit(asRecord(component), row));
  return buttons;
}

export type InteractionAcknowledgementView = { type: number; at: number; delayMs: number };

// What the user who ran a command or clicked a button got back, ephemeral parts included.
export type InteractionView = {
  interactionId: string;
  kind: 'command' | 'component';
  commandName: string | null;
  /** The subcommand a command named (`start` of `/gm start`), if any. */
  subcommand: string | null;
  customId: string | null;
  userId: string;
  channelId: string;
  dispatchedAt: number;
  acknowledgement: InteractionAcknowledgementView | null;
  // Callbacks refused: 10062 (too late) or 40060 (second acknowledgement).
  refusedCallbacks: { at: number; code: number }[];
  ephemeral: boolean;
  // The message `@original` designates: the command's response, or for a component the message it is on
  // (or the new reply if the click was answered with type 4).
  original: MessageSnapshot | null;
  followUps: MessageSnapshot[];
};

export function viewInteraction(state: EmulatorState, record: InteractionRecord): InteractionView {
  const snapshotOf = (id: string | null): MessageSnapshot | null => {
    const message = id ? state.messages.get(id) : undefined;
    return message ? snapshotMessage(message) : null;
  };
  return {
    interactionId: record.id,
    kind: record.customId === null ? 'command' : 'component',
    commandName: record.commandName,
    subcommand: subcommandOf(record),
    customId: record.customId,
    userId: record.userId,
    channelId: record.channelId,
    dispatchedAt: record.dispatchedAt,
    acknowledgement: record.acknowledgement
      ? { ...record.acknowledgement, delayMs: record.acknowledgement.at - record.dispatchedAt }
      : null,
    refusedCallbacks: [...record.refusedCallbacks],
    ephemeral: record.ephemeral,
    original: snapshotOf(record.originalMessageId),
    followUps: record.followUpIds.flatMap((id) => snapshotOf(id) ?? []),
  };
}

function subcommandOf(record: InteractionRecord): string | null {
  const data = record.payload.data as { options?: { type: number; name: string; options?: { type: number; name: string }[] }[] } | undefined;
  const first = data?.options?.[0];
  if (first?.type === ApplicationCommandOptionType.Subcommand) return first.name;
  if (first?.type === ApplicationCommandOptionType.SubcommandGroup) return first.options?.find((option) => option.type === ApplicationCommandOptionType.Subcommand)?.name ?? null;
  return null;
}
