import { escapeMarkdown } from 'discord.js';

/**
 * Players' words (names, reasons, sheets) shown inside the bot's own formatting: every markdown mark escaped, links
 * and list or heading marks included, so nobody's text can bold, hide or link anything in a message the bot posts.
 */
export function plainText(text: string): string {
  return escapeMarkdown(text.replace(/\s+/g, ' ').trim(), { heading: true, bulletedList: true, numberedList: true, maskedLink: true });
}
