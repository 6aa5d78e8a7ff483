import type { Engine } from "../../core/pipeline/engine.js";
import { createOutboxRelay, type RelayOptions } from "../../core/pipeline/effects/relay.js";
import type { Logger } from "../../core/ports/logger.js";

/** The relay's options plus how often the sweep runs (default 1000 ms) and where failures are logged. */
export type RelayWorkerOptions = RelayOptions & { readonly intervalMs?: number; readonly logger?: Logger };

export interface RelayWorker {
  stop(): Promise<void>;
}

/**
 * Runs the outbox relay in this process: at once when a commit stores effects, and on an
 * interval as a sweep for retries and for effects left by a process that died.
 */
export function startRelayWorker(engine: Engine, options: RelayWorkerOptions = {}): RelayWorker {
  const relay = createOutboxRelay(engine, options);
  let running: Promise<unknown> | undefined;
  let again = false;
  let stopped = false;

  const kick = () => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = relay
      .drain()
      .catch((error) => options.logger?.error("outbox relay failed", { error: String(error) }))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  };
  const unsubscribe = engine.onEffectsStored(kick);
  const timer = setInterval(kick, options.intervalMs ?? 1000);
  timer.unref();
  kick();
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      await running;
    },
  };
}
