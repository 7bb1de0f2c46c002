import type { PresenterFactory } from '../../src/campaign/presenter.ts';
import type { TurnEvent } from '../../src/dm/types.ts';

/**
 * A presenter factory for tests and benches that play turns without Discord: every turn gets one message id as soon
 * as its first event arrives (as the renderer's first write would), and every other write succeeds at once.
 * `onEvent` sees each turn event, for a test that reads what the DM produced.
 */
export function silentPresenters(options: { onEvent?: (event: TurnEvent) => void } = {}): PresenterFactory {
  let counter = 0;
  const nextId = () => `m${(counter += 1)}`;
  return {
    create: ({ onMessageCreated }) => {
      const messageId = nextId();
      let created = false;
      const show = () => {
        if (created) return;
        created = true;
        onMessageCreated(messageId);
      };
      return {
        start: () => undefined,
        sink: (event) => {
          options.onEvent?.(event);
          show();
        },
        finish: async () => {
          show();
          return { messageIds: [messageId] };
        },
        interrupt: async () => ({ messageIds: created ? [messageId] : [], completed: false }),
      };
    },
    retireOptions: () => undefined,
    restoreOptions: () => undefined,
    markMessages: async () => undefined,
    withdrawMessages: async () => undefined,
    showRoundStatus: () => undefined,
    post: async () => ({ messageIds: [nextId()] }),
    notice: async () => undefined,
  };
}
