import { type ProjectionStepReport, runProjectionStep } from "../../core/pipeline/projections/projection-step.js";
import { dispatchQueuedCommand, type QueuedCommand, type QueueOutcome } from "../../core/pipeline/effects/queue.js";
import { dispatchUploadedCommands, type UploadReport } from "../../core/pipeline/effects/uploaded-commands.js";
import type { LazyEdd } from "./engine-source.js";
import { type SweepReport, sweepOutbox } from "./sweep.js";

/**
 * The four entries every runtime maps its platform's events onto, over one engine: HTTP (the
 * hono app), a queued message, the outbox sweep and the projection step. Uploads are queued
 * messages that arrive as files.
 */

/** One queued message through the one dispatch, with this deployment's object store and logger. */
export async function queueEntry(edd: LazyEdd, message: Omit<QueuedCommand, "objectStore" | "logger">): Promise<QueueOutcome> {
  const outcome = await dispatchQueuedCommand(await edd.engine(), {
    ...message,
    logger: edd.logger,
    ...(edd.options.objectStore === undefined ? {} : { objectStore: edd.options.objectStore }),
  });
  await edd.deliverEffects();
  return outcome;
}

/** Delivers what earlier invocations left in the outbox, starting no round after `budgetMs`. */
export async function sweepEntry(edd: LazyEdd, budgetMs?: number): Promise<SweepReport> {
  const relay = edd.options.relay === false ? {} : (edd.options.relay ?? {});
  const report = await sweepOutbox(await edd.engine(), { ...relay, ...(budgetMs === undefined ? {} : { budgetMs }) });
  edd.logger.info("outbox sweep", { ...report });
  return report;
}

/** Catches every configured projection up in every realm served, starting no page after `budgetMs`. */
export async function projectionEntry(edd: LazyEdd, budgetMs?: number): Promise<ProjectionStepReport> {
  const report = await runProjectionStep(await edd.projections(), budgetMs === undefined ? {} : { budgetMs });
  edd.logger.info("projection step", { ...report });
  return report;
}

/** The commands in an uploaded object; throws when a line failed transiently, so the platform delivers the object again. */
export async function uploadEntry(
  edd: LazyEdd,
  upload: { key: string; text: string; source: string; attempt?: number },
): Promise<UploadReport> {
  const report = await dispatchUploadedCommands(await edd.engine(), {
    ...upload,
    logger: edd.logger,
    ...(edd.options.uploads?.prefix === undefined ? {} : { prefix: edd.options.uploads.prefix }),
    ...(edd.options.objectStore === undefined ? {} : { objectStore: edd.options.objectStore }),
  });
  await edd.deliverEffects();
  if (report.outcome === "ignored") edd.logger.warn("uploaded object ignored", { key: report.key, reason: report.reason });
  else edd.logger.info("uploaded commands", { ...report });
  if (report.outcome === "dispatched" && report.retry > 0) {
    throw new Error(`edd: ${report.retry} command(s) of ${report.key} failed transiently; the object will be delivered again`);
  }
  return report;
}

/** Time left for a scheduled entry: what the platform grants minus a margin for the answer and the store's close. */
export function budgetFrom(remainingMs: number | undefined, marginMs = 5_000): number | undefined {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return undefined;
  return Math.max(0, remainingMs - Math.min(marginMs, remainingMs / 5));
}
