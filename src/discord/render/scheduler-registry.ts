import {
  createChannelWriteScheduler,
  type ChannelWriteScheduler,
  type ChannelWriteSchedulerOptions,
} from './channel-write-scheduler.ts';

// Every writer of a channel (turns, continuation messages, disabled buttons) must share that channel's scheduler,
// or their writes together would overrun the channel's budget. The registry hands out that one instance.

export type SchedulerRegistry = {
  getScheduler(channelId: string): ChannelWriteScheduler;
};

export type SchedulerRegistryOptions = ChannelWriteSchedulerOptions;

export function createSchedulerRegistry(options: SchedulerRegistryOptions): SchedulerRegistry {
  const schedulers = new Map<string, ChannelWriteScheduler>();
  return {
    getScheduler(channelId) {
      let scheduler = schedulers.get(channelId);
      if (scheduler === undefined) {
        scheduler = createChannelWriteScheduler({ ...options, logger: options.logger.child({ channelId }) });
        schedulers.set(channelId, scheduler);
      }
      return scheduler;
    },
  };
}
