import type { Engine } from "../../core/pipeline/engine.js";
import { createOutboxRelay, type RelayOptions, type RelayRound } from "../../core/pipeline/effects/relay.js";

export interface SweepOptions extends RelayOptions {
  /**
   * Start no new round after this long, leaving the rest for the next sweep: on Lambda, the
   * remaining time minus a margin. Unset: run until nothing is due (or `maxRounds`).
   */
  readonly budgetMs?: number;
  /** Upper bound on claim-and-deliver rounds (default 1000). */
  readonly maxRounds?: number;
  readonly now?: () => number;
}

export interface SweepReport extends RelayRound {
  readonly rounds: number;
  /** True when the last round found nothing due; false when the budget or `maxRounds` stopped it first. */
  readonly drained: boolean;
}

/**
 * The scheduled sweep of a serverless deployment. Each invocation drains the effects it stored
 * itself (effects.ts), but whatever an invocation left behind (it crashed or timed out, a retry
 * became due later, its drain failed) waits for the next invocation of that instance, which may
 * never come. A timer (EventBridge Scheduler, an Azure timer trigger, Cloud Scheduler) runs this.
 */
export async function sweepOutbox(engine: Engine, options: SweepOptions = {}): Promise<SweepReport> {
  const { budgetMs, maxRounds = 1000, now = Date.now, ...relayOptions } = options;
  const relay = createOutboxRelay(engine, relayOptions);
  const stopAt = budgetMs === undefined ? Number.POSITIVE_INFINITY : now() + budgetMs;
  let total: RelayRound = { delivered: 0, retried: 0, deadLettered: 0 };
  for (let rounds = 0; rounds < maxRounds; ) {
    if (now() >= stopAt) return { ...total, rounds, drained: false };
    const round = await relay.runOnce();
    rounds++;
    total = {
      delivered: total.delivered + round.delivered,
      retried: total.retried + round.retried,
      deadLettered: total.deadLettered + round.deadLettered,
    };
    if (round.delivered + round.retried + round.deadLettered === 0) return { ...total, rounds, drained: true };
  }
  return { ...total, rounds: maxRounds, drained: false };
}

/** The event an EventBridge schedule sends a Lambda function (with EventBridge Scheduler, set it as the target's input). */
export interface ScheduledEvent {
  readonly source: "aws.events";
  readonly "detail-type": "Scheduled Event";
}

export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  if (typeof event !== "object" || event === null) return false;
  const fields = event as Record<string, unknown>;
  return fields.source === "aws.events" && fields["detail-type"] === "Scheduled Event";
}
