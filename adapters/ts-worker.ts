import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running one of our TypeScript modules (`moduleUrl`, an `import.meta.url`-relative
 * URL): the thread loads TypeScript the way the service does (tsx), whatever started the service.
 */
export function startTsWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
