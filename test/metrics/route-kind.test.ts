import { describe, expect, it } from 'vitest';
import { classifyRoute, statusClass } from '../../src/metrics/route-kind.ts';

describe('classifyRoute', () => {
  it.each([
    ['/channels/1234567890123456789/messages', 'channel_messages'],
    ['/channels/1234567890123456789/messages/9876543210987654321', 'channel_messages'],
    ['/channels/1234567890123456789/messages/:id', 'channel_messages'],
    ['/channels/1234567890123456789/typing', 'channel_typing'],
    ['/channels/1234567890123456789', 'channel_other'],
    ['/interactions/1234567890123456789/aW50ZXJhY3Rpb24secret/callback', 'interaction_callback'],
    ['/interactions/:id/:token/callback', 'interaction_callback'],
    ['/webhooks/1234567890123456789/aW50ZXJhY3Rpb24secret', 'interaction_webhook'],
    ['/webhooks/1234567890123456789/aW50ZXJhY3Rpb24secret/messages/@original', 'interaction_webhook'],
    ['/webhooks/1234567890123456789/aW50ZXJhY3Rpb24secret?wait=true', 'interaction_webhook'],
    ['/applications/1234567890123456789/guilds/1234567890123456789/commands', 'application_commands'],
    ['/applications/1234567890123456789/commands', 'application_commands'],
    ['/gateway/bot', 'gateway'],
    ['/users/@me', 'other'],
    ['/guilds/1234567890123456789/members/1', 'other'],
    ['https://discord.com/api/v10/interactions/1/aW50ZXJhY3Rpb24secret/callback', 'interaction_callback'],
    ['http://127.0.0.1:4000/api/v10/channels/1/messages/2', 'channel_messages'],
  ] as const)('%s is %s', (path, kind) => {
    expect(classifyRoute(path)).toBe(kind);
  });

  it('never returns part of the path', () => {
    const kinds = ['/a/b', '/channels', '/interactions/1', '/webhooks/1', ''].map(classifyRoute);
    expect(kinds).toEqual(['other', 'channel_other', 'other', 'other', 'other']);
  });
});

describe('statusClass', () => {
  it('keeps 429 apart from the other 4xx', () => {
    expect([200, 204, 304, 400, 403, 404, 429, 500, 503, 0].map(statusClass)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '4xx', '429', '5xx', '5xx', 'other']);
  });
});
