import { DiscordSnowflake } from '@sapphire/snowflake';
import type { EmulatorClock } from './clock.ts';

// Real snowflakes matter: @discordjs/rest finds the major parameter with /\d{17,19}/ and discord.js derives
// createdTimestamp from the id, so ids carry the emulator clock's time.
export type SnowflakeSource = () => string;

export function createSnowflakeSource(clock: EmulatorClock): SnowflakeSource {
  return () => DiscordSnowflake.generate({ timestamp: clock.now() }).toString();
}
