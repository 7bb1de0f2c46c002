import type { SlashCommand } from '../src/discord/command-types.ts';
import { act } from './act.ts';
import { character } from './character.ts';
import { gm } from './gm.ts';
import { recap } from './recap.ts';
import { roll } from './roll.ts';
import { scene } from './scene.ts';
import { whisper } from './whisper.ts';
import { x } from './x.ts';

/** Every slash command. Adding a command is adding its file and a line here. */
export const commands: SlashCommand[] = [gm, act, scene, recap, roll, character, whisper, x];
