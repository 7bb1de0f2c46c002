import {
  ApplicationCommandOptionType,
  type APIApplicationCommand,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
} from 'discord-api-types/v10';
import type { SlashCommandInput, SlashOptionValue } from './interaction-payloads.ts';

// Discord's cap on a string option that sets no max_length.
const STRING_OPTION_MAX = 6000;

const isNested = (option: APIApplicationCommandOption): boolean =>
  option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup;

export type SendableOption = { definition: APIApplicationCommandBasicOption; value: SlashOptionValue };

// The Discord client keeps an option that breaks the registered rules in the input box and shows the limit inline; it
// never sends it. Refusing here keeps tests from reaching bot code that no member can reach.
export function sendableOptions(command: APIApplicationCommand, input: SlashCommandInput): SendableOption[] {
  const refuse = (problem: string): never => {
    throw new Error(`/${command.name}: ${problem}: the Discord client would not send it`);
  };
  let definitions: readonly APIApplicationCommandOption[] = command.options ?? [];
  const levels = [
    [input.subcommandGroup, ApplicationCommandOptionType.SubcommandGroup, 'subcommand group'],
    [input.subcommand, ApplicationCommandOptionType.Subcommand, 'subcommand'],
  ] as const;
  for (const [name, type, kind] of levels) {
    if (!name) continue;
    const nested = definitions.find((option) => option.name === name && option.type === type) ?? refuse(`there is no ${kind} "${name}"`);
    definitions = 'options' in nested && nested.options ? nested.options : [];
  }

  const leaves = definitions.filter((option): option is APIApplicationCommandBasicOption => !isNested(option));
  const given = Object.entries(input.options ?? {}).map(([name, value]) => ({
    definition: leaves.find((option) => option.name === name) ?? refuse(`there is no option "${name}"`),
    value,
  }));
  for (const definition of leaves) {
    const value = input.options?.[definition.name];
    const problem = value === undefined ? (definition.required ? 'is required' : null) : valueProblem(definition, value);
    if (problem) refuse(`option "${definition.name}" ${problem}`);
  }
  return given;
}

// Values are read as toOption reads them, so what is checked is what would be sent.
function valueProblem(definition: APIApplicationCommandBasicOption, value: SlashOptionValue): string | null {
  switch (definition.type) {
    case ApplicationCommandOptionType.String: {
      const text = String(typeof value === 'object' ? value.id : value);
      // Discord counts code points: an emoji outside the BMP is one character, not two UTF-16 units.
      const length = [...text].length;
      const min = Math.max(definition.min_length ?? 0, definition.required ? 1 : 0);
      const max = definition.max_length ?? STRING_OPTION_MAX;
      if (length < min) return `must be ${min} or more in length (got ${length})`;
      if (length > max) return `must be ${max} or fewer in length (got ${length})`;
      return choiceProblem(definition.choices, text);
    }
    case ApplicationCommandOptionType.Integer:
    case ApplicationCommandOptionType.Number: {
      const number = Number(value);
      if (!Number.isFinite(number)) return `must be a number (got ${JSON.stringify(value)})`;
      if (definition.type === ApplicationCommandOptionType.Integer && !Number.isInteger(number)) return `must be a whole number (got ${number})`;
      if (definition.min_value !== undefined && number < definition.min_value) return `must be ${definition.min_value} or more (got ${number})`;
      if (definition.max_value !== undefined && number > definition.max_value) return `must be ${definition.max_value} or less (got ${number})`;
      return choiceProblem(definition.choices, number);
    }
    default:
      return null;
  }
}

function choiceProblem(choices: readonly { value: string | number }[] | undefined, value: string | number): string | null {
  if (!choices || choices.some((choice) => choice.value === value)) return null;
  return `must be one of ${choices.map((choice) => JSON.stringify(choice.value)).join(', ')} (got ${JSON.stringify(value)})`;
}
