// Every route the emulator answers, as recorded in `requests[].route` and accepted by failNext().
export const routeTemplates = {
  gatewayBot: '/gateway/bot',
  currentUser: '/users/@me',
  user: '/users/:userId',
  currentApplication: '/applications/@me',
  globalCommands: '/applications/:applicationId/commands',
  guildCommands: '/applications/:applicationId/guilds/:guildId/commands',
  guild: '/guilds/:guildId',
  guildChannels: '/guilds/:guildId/channels',
  guildRoles: '/guilds/:guildId/roles',
  guildMember: '/guilds/:guildId/members/:userId',
  channel: '/channels/:channelId',
  channelMessages: '/channels/:channelId/messages',
  channelMessage: '/channels/:channelId/messages/:messageId',
  typing: '/channels/:channelId/typing',
  interactionCallback: '/interactions/:interactionId/:interactionToken/callback',
  interactionWebhook: '/webhooks/:applicationId/:interactionToken',
  interactionWebhookMessage: '/webhooks/:applicationId/:interactionToken/messages/:messageId',
} as const;

export type RouteTemplate = (typeof routeTemplates)[keyof typeof routeTemplates];
