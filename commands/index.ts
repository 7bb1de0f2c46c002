import type { SlashCommand } from '../src/discord/command-types.ts';
import { act } from './act.ts';
import { gm } from './gm.ts';
import { scene } from './scene.ts';

/** Every slash command. Adding a command is adding its file and a line here. */
export const commands: SlashCommand[] = [gm, act, scene];
