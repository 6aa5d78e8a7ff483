import type { Projection } from "../../model/projection.js";
import type { CheckpointStore } from "../../ports/checkpoints.js";
import type { Store } from "../../ports/store.js";
import type { ViewData, ViewStore } from "../../ports/view-store.js";
import { createProjector } from "./projection.js";

/** What a deployment projects: the stores, the projections and the realms it serves. */
export interface ProjectionSetup {
  readonly store: Pick<Store, "readFeed">;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly projections: readonly Projection<ViewData>[];
  /** Realms whose views this deployment keeps up to date. */
  readonly realms: readonly string[];
  /** Events read per page (default 500). */
  readonly batchSize?: number;
}

export interface ProjectionStepOptions {
  /**
   * Start no new page after this long, leaving the rest to the next step (on Lambda, the
   * remaining time minus a margin). Unset: run until every projection has caught up.
   */
  readonly budgetMs?: number;
  readonly now?: () => number;
}

export interface ProjectionStepReport {
  /** Events read, over every projection and realm. */
  readonly events: number;
  /** View documents written. */
  readonly written: number;
  /** Pages read. */
  readonly pages: number;
  /** True when every projection reached the end of its realm's feed; false when the budget ran out first. */
  readonly caughtUp: boolean;
}

/**
 * One scheduled catch-up of every projection in every realm served: what a timer (EventBridge,
 * an Azure timer trigger, Cloud Scheduler) runs on platforms where nothing runs between
 * invocations. Each page moves its checkpoint after its views are written, so a step cut short
 * by its budget or a crash resumes where it stopped; projectors take turns page by page, so a
 * long feed in one realm does not starve the others.
 */
export async function runProjectionStep(setup: ProjectionSetup, options: ProjectionStepOptions = {}): Promise<ProjectionStepReport> {
  const now = options.now ?? Date.now;
  const stopAt = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : now() + options.budgetMs;
  let pending = setup.realms.flatMap((realm) =>
    setup.projections.map((projection) =>
      createProjector({
        store: setup.store,
        views: setup.views,
        checkpoints: setup.checkpoints,
        projection,
        realm,
        ...(setup.batchSize === undefined ? {} : { batchSize: setup.batchSize }),
      }),
    ),
  );
  let events = 0;
  let written = 0;
  let pages = 0;
  while (pending.length > 0) {
    const stillBehind = [];
    for (const projector of pending) {
      if (now() >= stopAt) return { events, written, pages, caughtUp: false };
      const step = await projector.runOnce();
      pages++;
      events += step.events;
      written += step.written;
      if (step.events > 0) stillBehind.push(projector);
    }
    pending = stillBehind;
  }
  return { events, written, pages, caughtUp: true };
}
