import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from 'pino';
import type { SpendingLedger } from '../campaign/spending-ledger.ts';
import type { Tables } from '../campaign/tables.ts';
import type { CampaignStore } from '../campaign/types.ts';
import type { GatewayIntake } from './gateway-intake.ts';
import type { InteractionLanes } from './render/interaction-lanes.ts';

/** What a command needs, handed in by src/index.ts: importing a command starts nothing. */
export type CommandServices = {
  store: CampaignStore;
  tables: Tables;
  /** Budgets and what was spent: `/gm budget`. */
  spending: SpendingLedger;
  logger: Logger;
  gmRoleNames: string[];
  /** Where a player's interaction offers to carry the turn it starts (interaction-lanes.ts). Absent: never. */
  lanes?: InteractionLanes | undefined;
  /** Answers that acknowledge a player's action wait until no input is left to take (gateway-intake.ts). Absent: at once. */
  intake?: Pick<GatewayIntake, 'afterInputTaken'> | undefined;
};

export type SlashCommand = {
  /** Plain JSON, exactly what `deploy-commands` sends to Discord. */
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, services: CommandServices): Promise<void>;
};
