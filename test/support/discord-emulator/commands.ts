import { ApplicationCommandType, type APIApplicationCommand } from 'discord-api-types/v10';
import { invalidFormBody, type FieldError } from './discord-errors.ts';
import { asRecords, characterCount, type JsonRecord } from './json-shapes.ts';
import type { SnowflakeSource } from './snowflakes.ts';

const commandNamePattern = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export type CommandRegistry = ReturnType<typeof createCommandRegistry>;

// Bulk overwrite semantics: the PUT body replaces the whole set; a command keeps its id when one of the same name
// and type existed, as on Discord (so permissions set by server admins survive a redeploy).
export function createCommandRegistry(nextId: SnowflakeSource, applicationId: string) {
  const byScope = new Map<string, APIApplicationCommand[]>();
  const scopeKey = (guildId: string | null): string => guildId ?? 'global';

  return {
    overwrite(guildId: string | null, body: unknown): APIApplicationCommand[] {
      if (!Array.isArray(body)) {
        throw invalidFormBody([{ path: [], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }]);
      }
      const definitions = asRecords(body);
      const errors = validateDefinitions(definitions);
      if (errors.length > 0) throw invalidFormBody(errors);
      const previous = byScope.get(scopeKey(guildId)) ?? [];
      const stored = definitions.map((definition): APIApplicationCommand => {
        const type = typeof definition.type === 'number' ? definition.type : ApplicationCommandType.ChatInput;
        const existing = previous.find((command) => command.name === definition.name && command.type === type);
        const permissions = definition.default_member_permissions;
        return {
          ...(definition as unknown as APIApplicationCommand),
          id: existing?.id ?? nextId(),
          application_id: applicationId,
          version: nextId(),
          type,
          description: typeof definition.description === 'string' ? definition.description : '',
          default_member_permissions: typeof permissions === 'string' ? permissions : null,
          nsfw: definition.nsfw === true,
          ...(guildId ? { guild_id: guildId } : {}),
        };
      });
      byScope.set(scopeKey(guildId), stored);
      return stored;
    },

    list(guildId: string | null): APIApplicationCommand[] {
      return byScope.get(scopeKey(guildId)) ?? [];
    },

    // The slash command of that name (a user or message command may share it); guild commands shadow global ones of
    // the same name, as in the Discord client.
    find(name: string, guildId: string): APIApplicationCommand | undefined {
      const matches = (command: APIApplicationCommand) => command.name === name && command.type === ApplicationCommandType.ChatInput;
      return byScope.get(scopeKey(guildId))?.find(matches) ?? byScope.get(scopeKey(null))?.find(matches);
    },
  };
}

function validateDefinitions(definitions: JsonRecord[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  definitions.forEach((definition, index) => {
    const name = typeof definition.name === 'string' ? definition.name : '';
    const type = typeof definition.type === 'number' ? definition.type : ApplicationCommandType.ChatInput;
    if (!commandNamePattern.test(name) || (type === ApplicationCommandType.ChatInput && name !== name.toLowerCase())) {
      errors.push({ path: [index, 'name'], code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' });
    }
    if (seen.has(`${type}:${name}`)) {
      errors.push({ path: [index, 'name'], code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: 'Application command names must be unique' });
    }
    seen.add(`${type}:${name}`);
    const description = typeof definition.description === 'string' ? definition.description : '';
    if (type === ApplicationCommandType.ChatInput && (characterCount(description) < 1 || characterCount(description) > 100)) {
      errors.push({ path: [index, 'description'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' });
    }
    if (asRecords(definition.options).length > 25) {
      errors.push({ path: [index, 'options'], code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
    }
    const permissions = definition.default_member_permissions;
    if (permissions !== undefined && permissions !== null && (typeof permissions !== 'string' || !/^\d+$/.test(permissions))) {
      errors.push({ path: [index, 'default_member_permissions'], code: 'BASE_TYPE_INVALID', message: 'Invalid permissions' });
    }
  });
  return errors;
}
