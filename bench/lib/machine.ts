import { availableParallelism, cpus, totalmem } from 'node:os';

/** One line describing where the numbers were measured. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores (nproc), ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}
