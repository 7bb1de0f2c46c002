import { InteractionContextType } from 'discord.js';
import type { SlashCommand } from '../src/discord/command-types.ts';
import { requireGameMaster } from '../src/discord/gm-permission.ts';
import { UserFacingError } from '../src/errors.ts';
import { budget } from './gm/budget.ts';
import { config } from './gm/config.ts';
import { end } from './gm/end.ts';
import { exportLog } from './gm/export.ts';
import { lore } from './gm/lore.ts';
import { narrate } from './gm/narrate.ts';
import { pause } from './gm/pause.ts';
import { reroll } from './gm/reroll.ts';
import { resume } from './gm/resume.ts';
import { scene } from './gm/scene.ts';
import { start } from './gm/start.ts';
import { stop } from './gm/stop.ts';
import { undo } from './gm/undo.ts';
import type { GmSubcommand } from './gm/subcommand.ts';

// One command, one file per subcommand in gm/. Registered without a default member permission, so that members with
// a GM role see it in a fresh server; every subcommand is checked at run time (src/discord/gm-permission.ts).

const subcommands: GmSubcommand[] = [start, end, pause, resume, stop, reroll, undo, narrate, scene, config, exportLog, budget, lore];
const byName = new Map(subcommands.map((subcommand) => [subcommand.data.name, subcommand]));

export const gm: SlashCommand = {
  data: {
    name: 'gm',
    description: "Game Master controls for this channel's campaign",
    contexts: [InteractionContextType.Guild],
    options: subcommands.map((subcommand) => subcommand.data),
  },
  async execute(interaction, services) {
    requireGameMaster(interaction, services.gmRoleNames);
    const name = interaction.options.getSubcommandGroup() ?? interaction.options.getSubcommand(true);
    const subcommand = byName.get(name);
    if (subcommand === undefined) throw new UserFacingError(`Unknown subcommand: ${name}. Run \`npm run deploy-commands\` again?`);
    await subcommand.execute(interaction, services);
  },
};
