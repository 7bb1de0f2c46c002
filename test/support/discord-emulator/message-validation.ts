import { ButtonStyle, ComponentType, MessageFlags } from 'discord-api-types/v10';
import type { FieldError } from './discord-errors.ts';
import { asRecord, asRecords, asString, characterCount, type JsonRecord } from './json-shapes.ts';

// Discord's documented limits (docs: resources/message, components/reference). docs/architecture.md lists them.
export const messageLimits = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooterText: 2048,
  embedAuthorName: 256,
  embedsTotal: 6000,
  actionRows: 5,
  componentsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  selectOptions: 25,
  componentsV2Total: 40,
} as const;

const maxLength = (path: FieldError['path'], limit: number): FieldError => ({
  path,
  code: 'BASE_TYPE_MAX_LENGTH',
  message: `Must be ${limit} or fewer in length.`,
});

const required = (path: FieldError['path']): FieldError => ({ path, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });

function textTooLong(value: unknown, limit: number): boolean {
  return typeof value === 'string' && characterCount(value) > limit;
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? characterCount(value) : 0;
}

// Every check a Create or Edit Message body goes through; fields absent from an edit are not checked.
export function validateMessageBody(body: JsonRecord): FieldError[] {
  const errors: FieldError[] = [];
  if (textTooLong(body.content, messageLimits.content)) errors.push(maxLength(['content'], messageLimits.content));
  if (Array.isArray(body.embeds)) errors.push(...validateEmbeds(asRecords(body.embeds)));
  if (Array.isArray(body.components)) {
    const flags = typeof body.flags === 'number' ? body.flags : 0;
    const componentsV2 = (flags & MessageFlags.IsComponentsV2) !== 0;
    errors.push(...(componentsV2 ? validateComponentsV2(asRecords(body.components)) : validateActionRows(asRecords(body.components))));
  }
  return errors;
}

function validateEmbeds(embeds: JsonRecord[]): FieldError[] {
  const errors: FieldError[] = [];
  if (embeds.length > messageLimits.embeds) errors.push(maxLength(['embeds'], messageLimits.embeds));
  let total = 0;
  embeds.forEach((embed, index) => {
    const footer = asRecord(embed.footer);
    const author = asRecord(embed.author);
    const fields = asRecords(embed.fields);
    if (textTooLong(embed.title, messageLimits.embedTitle)) errors.push(maxLength(['embeds', index, 'title'], messageLimits.embedTitle));
    if (textTooLong(embed.description, messageLimits.embedDescription)) {
      errors.push(maxLength(['embeds', index, 'description'], messageLimits.embedDescription));
    }
    if (fields.length > messageLimits.embedFields) errors.push(maxLength(['embeds', index, 'fields'], messageLimits.embedFields));
    fields.forEach((field, fieldIndex) => {
      if (textTooLong(field.name, messageLimits.embedFieldName)) {
        errors.push(maxLength(['embeds', index, 'fields', fieldIndex, 'name'], messageLimits.embedFieldName));
      }
      if (textTooLong(field.value, messageLimits.embedFieldValue)) {
        errors.push(maxLength(['embeds', index, 'fields', fieldIndex, 'value'], messageLimits.embedFieldValue));
      }
      total += textLength(field.name) + textLength(field.value);
    });
    if (textTooLong(footer.text, messageLimits.embedFooterText)) {
      errors.push(maxLength(['embeds', index, 'footer', 'text'], messageLimits.embedFooterText));
    }
    if (textTooLong(author.name, messageLimits.embedAuthorName)) {
      errors.push(maxLength(['embeds', index, 'author', 'name'], messageLimits.embedAuthorName));
    }
    total += textLength(embed.title) + textLength(embed.description) + textLength(footer.text) + textLength(author.name);
  });
  if (total > messageLimits.embedsTotal) {
    errors.push({ path: ['embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: `Embed size exceeds maximum size of ${messageLimits.embedsTotal}` });
  }
  return errors;
}

function validateActionRows(rows: JsonRecord[]): FieldError[] {
  const errors: FieldError[] = [];
  const seenCustomIds = new Set<string>();
  if (rows.length > messageLimits.actionRows) errors.push(maxLength(['components'], messageLimits.actionRows));
  rows.forEach((row, rowIndex) => {
    const children = asRecords(row.components);
    if (children.length === 0 || children.length > messageLimits.componentsPerRow) {
      errors.push({
        path: ['components', rowIndex, 'components'],
        code: 'BASE_TYPE_BAD_LENGTH',
        message: `Must be between 1 and ${messageLimits.componentsPerRow} in length.`,
      });
    }
    children.forEach((component, index) => {
      errors.push(...validateInteractiveComponent(component, ['components', rowIndex, 'components', index], seenCustomIds));
    });
  });
  return errors;
}

function validateComponentsV2(components: JsonRecord[]): FieldError[] {
  const errors: FieldError[] = [];
  const seenCustomIds = new Set<string>();
  let count = 0;
  const visit = (component: JsonRecord, path: FieldError['path']): void => {
    count += 1;
    errors.push(...validateInteractiveComponent(component, path, seenCustomIds));
    asRecords(component.components).forEach((child, index) => visit(child, [...path, 'components', index]));
    if (component.accessory !== undefined) visit(asRecord(component.accessory), [...path, 'accessory']);
  };
  components.forEach((component, index) => visit(component, ['components', index]));
  if (count > messageLimits.componentsV2Total) {
    errors.push({ path: ['components'], code: 'MAX_COMPONENTS', message: `Must be ${messageLimits.componentsV2Total} or fewer in total.` });
  }
  return errors;
}

const selectTypes: ReadonlySet<unknown> = new Set([
  ComponentType.StringSelect,
  ComponentType.UserSelect,
  ComponentType.RoleSelect,
  ComponentType.MentionableSelect,
  ComponentType.ChannelSelect,
]);

function validateInteractiveComponent(component: JsonRecord, path: FieldError['path'], seenCustomIds: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  const isButton = component.type === ComponentType.Button;
  const isSelect = selectTypes.has(component.type);
  if (!isButton && !isSelect) return errors;

  const usesCustomId = isSelect || (component.style !== ButtonStyle.Link && component.style !== ButtonStyle.Premium);
  if (isButton && textTooLong(component.label, messageLimits.buttonLabel)) errors.push(maxLength([...path, 'label'], messageLimits.buttonLabel));
  if (isButton && component.style === ButtonStyle.Link && asString(component.url) === undefined) errors.push(required([...path, 'url']));
  if (component.type === ComponentType.StringSelect && asRecords(component.options).length > messageLimits.selectOptions) {
    errors.push(maxLength([...path, 'options'], messageLimits.selectOptions));
  }
  if (!usesCustomId) return errors;

  const customId = asString(component.custom_id);
  if (customId === undefined || customId === '') {
    errors.push(required([...path, 'custom_id']));
  } else if (characterCount(customId) > messageLimits.customId) {
    errors.push(maxLength([...path, 'custom_id'], messageLimits.customId));
  } else if (seenCustomIds.has(customId)) {
    errors.push({ path: [...path, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' });
  } else {
    seenCustomIds.add(customId);
  }
  return errors;
}
