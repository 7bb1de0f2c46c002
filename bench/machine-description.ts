import { availableParallelism, cpus, totalmem } from 'node:os';

/** The machine the figures were measured on, as `nproc`, /proc/cpuinfo, `free` and `node --version` would say. */
export function describeMachine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memoryGib = (totalmem() / 1024 ** 3).toFixed(1);
  return `${availableParallelism()} CPUs (${model}), ${memoryGib} GiB RAM, Node ${process.version}, ${process.platform}`;
}
