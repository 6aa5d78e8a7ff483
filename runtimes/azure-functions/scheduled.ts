import type { StorageBlobHandler, TimerHandler } from "@azure/functions";
import type { LazyEdd } from "../shared/engine-source.js";
import { projectionEntry, sweepEntry, uploadEntry } from "../shared/entries.js";

/** Time a timer entry may take, under the Consumption plan's default function timeout of 5 minutes. */
export const defaultTimerBudgetMs = 4 * 60_000;

/** The timer trigger running the outbox sweep or the projection step; a throw is logged by the host and the next tick tries again. */
export function timerHandler(edd: LazyEdd, task: "sweep" | "project", budgetMs = defaultTimerBudgetMs): TimerHandler {
  return async () => {
    if (task === "sweep") await sweepEntry(edd, budgetMs);
    else await projectionEntry(edd, budgetMs);
  };
}

/**
 * The Blob trigger on `<container>/<prefix>{name}`: the host hands over the content and, in
 * `blobTrigger`, the blob's path with its container first. Throwing makes the host retry the blob
 * (up to 5 times, then a poison message in `webjobs-blobtrigger-poison`).
 */
export function blobUploadHandler(edd: LazyEdd): StorageBlobHandler {
  return async (blob, context) => {
    const path = String(context.triggerMetadata?.blobTrigger ?? "");
    const slash = path.indexOf("/");
    if (slash < 0) throw new Error(`edd: the blob trigger gave no blob path (blobTrigger: ${JSON.stringify(path)}).`);
    const text = blob instanceof Uint8Array ? Buffer.from(blob).toString("utf8") : typeof blob === "string" ? blob : JSON.stringify(blob);
    await uploadEntry(edd, { key: path.slice(slash + 1), text, source: `blob:${path.slice(0, slash)}` });
  };
}
