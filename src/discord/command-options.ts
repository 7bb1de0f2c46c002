import { ApplicationCommandOptionType, type APIApplicationCommandBasicOption, type ChatInputCommandInteraction } from 'discord.js';

// Option values typed from a command's own JSON, so a renamed or retyped option is a type error at the place it is
// read, never a silent null. Each command declares its options `as const` and reads them with readOptions().

type OptionDefinition = {
  readonly name: string;
  readonly type: ApplicationCommandOptionType;
  readonly required?: boolean;
  readonly choices?: readonly { readonly value: string | number }[];
};

type ValueOf<Definition extends OptionDefinition> = Definition['type'] extends ApplicationCommandOptionType.String
  ? Definition['choices'] extends readonly { readonly value: infer Choice }[]
    ? Choice
    : string
  : Definition['type'] extends ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number
    ? number
    : Definition['type'] extends ApplicationCommandOptionType.Boolean
      ? boolean
      : never;

export type OptionsOf<Definitions extends readonly OptionDefinition[]> = {
  [Definition in Definitions[number] as Definition['name']]: Definition['required'] extends true
    ? ValueOf<Definition>
    : ValueOf<Definition> | null;
};

/** Reads every declared option of the invoked (sub)command; an option the user left out reads as null. */
export function readOptions<const Definitions extends readonly OptionDefinition[]>(
  interaction: ChatInputCommandInteraction,
  definitions: Definitions,
): OptionsOf<Definitions> {
  const values: Record<string, unknown> = {};
  for (const definition of definitions) values[definition.name] = interaction.options.get(definition.name)?.value ?? null;
  return values as OptionsOf<Definitions>;
}

/** The declared options as the plain JSON Discord takes (the `as const` declaration is deeply read-only). */
export function optionsJson(definitions: readonly OptionDefinition[]): APIApplicationCommandBasicOption[] {
  return structuredClone(definitions) as unknown as APIApplicationCommandBasicOption[];
}
