import { afterEach, expect, it } from 'vitest';
import { announced, startBotWorld, waitForOptions, type BotWorld } from './bot-world.ts';

// Who may run /gm in a fresh server, with the commands registered as deploy-commands registers them and the emulator
// hiding a command from members who lack its default_member_permissions, as Discord does.

let world: BotWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

it('lets a member with only the GM role start a campaign, and refuses a player', async () => {
  world = await startBotWorld();
  const { discord } = world;

  const start = await discord.slashCommand({ channel: 'tavern', user: 'gmByRole', name: 'gm', subcommand: 'start' }).reply(announced);
  expect(start.followUps[0]?.content).toContain('A new campaign begins');
  await waitForOptions(world, 'tavern');

  const refused = await discord.slashCommand({ channel: 'dungeon', user: 'alice', name: 'gm', subcommand: 'start' }).reply();
  expect(refused.ephemeral).toBe(true);
  expect(refused.original?.content).toMatch(/Only a GM can do that/);
  expect(await world.bot.store.getCampaign(discord.channels['dungeon']?.id ?? '')).toBeUndefined();
});

it('accepts a member whose role GM_ROLE_NAMES lists by id rather than by name', async () => {
  // Only the GM role's id is listed, so its name ('GM') no longer counts: the id alone lets 'gmByRole' in.
  world = await startBotWorld({ environment: (discord) => ({ GM_ROLE_NAMES: discord.roles.gm }) });
  const { discord } = world;

  const start = await discord.slashCommand({ channel: 'tavern', user: 'gmByRole', name: 'gm', subcommand: 'start' }).reply(announced);
  expect(start.followUps[0]?.content).toContain('A new campaign begins');
  await waitForOptions(world, 'tavern');

  const refused = await discord.slashCommand({ channel: 'dungeon', user: 'alice', name: 'gm', subcommand: 'start' }).reply();
  expect(refused.original?.content).toContain(`one of these roles: <@&${discord.roles.gm}>`);
});
