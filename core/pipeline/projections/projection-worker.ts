import type { Projector } from "./projection.js";

export interface ProjectionWorkerOptions {
  /** Pause between polls once every projector has caught up (default 500 ms); `wake()` cuts it short. */
  readonly idleMs?: number;
  /** Longest pause after repeated failures (default 30 s); failures back off from idleMs, doubling. */
  readonly maxBackoffMs?: number;
  /** Called with each failure; the worker keeps going, resuming from the last checkpoint. */
  readonly onError?: (error: unknown) => void;
}

export interface ProjectionWorker {
  /** Polls at once, e.g. after a commit in this process. */
  wake(): void;
  /** Finishes the current step and stops; resolves when the loop has ended. */
  stop(): Promise<void>;
}

/**
 * Runs projectors in a loop until stopped: drain them all, sleep until woken or idle time passes.
 * One step at a time per worker, so a stop never cuts a step between view write and checkpoint
 * (and if the process dies there, the next start redoes the page harmlessly).
 */
export function startProjectionWorker(projectors: readonly Projector[], options: ProjectionWorkerOptions = {}): ProjectionWorker {
  const idleMs = options.idleMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let running = true;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || !running) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      }
      wakeUp = finish;
    });

  const loop = (async () => {
    let failures = 0;
    while (running) {
      try {
        for (const projector of projectors) {
          while (running && (await projector.runOnce()).events > 0) {}
        }
        failures = 0;
        await pause(idleMs);
      } catch (error) {
        failures += 1;
        options.onError?.(error);
        await pause(Math.min(maxBackoffMs, idleMs * 2 ** failures));
      }
    }
  })();

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}
