import type { Engine } from "../../core/pipeline/engine.js";
import { createOutboxRelay, type RelayOptions } from "../../core/pipeline/effects/relay.js";
import type { Logger } from "../../core/ports/logger.js";

/** Runs at the end of an invocation; never throws. */
export type DeliverEffects = () => Promise<void>;

/**
 * Delivers the effects this instance stored before the invocation ends: a frozen Lambda, an idle
 * Function or a CPU-throttled Cloud Run instance runs nothing after its answer, so no background
 * relay can be relied on. By default the effect commands run here; `relay.deliver` can hand them to a
 * queue instead. `false` leaves the outbox to a relay elsewhere.
 */
export function effectsDelivery(engine: Engine, relay: RelayOptions | false, logger: Logger): DeliverEffects {
  if (relay === false) return async () => {};
  const outbox = createOutboxRelay(engine, relay);
  let stored = false;
  engine.onEffectsStored(() => {
    stored = true;
  });
  return async () => {
    if (!stored) return;
    stored = false;
    try {
      await outbox.drain();
    } catch (error) {
      // The command itself succeeded; its effects stay in the outbox for the next drain.
      logger.error("delivering effects failed", { error: String(error) });
    }
  };
}
