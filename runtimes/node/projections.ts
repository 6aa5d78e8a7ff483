import type { Projection } from "../../core/model/projection.js";
import type { Engine } from "../../core/pipeline/engine.js";
import { createProjector } from "../../core/pipeline/projections/projection.js";
import { type ProjectionWorker, startProjectionWorker } from "../../core/pipeline/projections/projection-worker.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import type { Logger } from "../../core/ports/logger.js";
import type { Metrics } from "../../core/ports/metrics.js";
import type { EventFeed } from "../../core/ports/store.js";
import type { ViewData, ViewStore } from "../../core/ports/view-store.js";

export interface ProjectionsOptions {
  readonly store: EventFeed;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly projections: readonly Projection<ViewData>[];
  /** Realms whose views this process keeps up to date. */
  readonly realms: readonly string[];
  readonly logger?: Logger;
  /** Receives `edd.projection.lag` per projected page. */
  readonly metrics?: Metrics;
  /** The engine serving in this process: each of its commits wakes the projections at once instead of at the next idle poll. */
  readonly engine?: Pick<Engine, "onEventsStored">;
  /** Pause between polls once caught up (default 500 ms): the bound on lag for commits made by other processes. */
  readonly idleMs?: number;
}

/** Keeps every projection's view up to date in every listed realm, in this process. */
export function startProjections(options: ProjectionsOptions): ProjectionWorker {
  const projectors = options.realms.flatMap((realm) =>
    options.projections.map((projection) =>
      createProjector({
        store: options.store,
        views: options.views,
        checkpoints: options.checkpoints,
        projection,
        realm,
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      }),
    ),
  );
  const worker = startProjectionWorker(projectors, {
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    onError: (error) => options.logger?.error("projection failed; resuming from its checkpoint", { error: String(error) }),
  });
  const unsubscribe = options.engine?.onEventsStored(() => worker.wake());
  return {
    wake: () => worker.wake(),
    stop: () => {
      unsubscribe?.();
      return worker.stop();
    },
  };
}

/** Realms to project, from $EDD_REALMS (comma-separated); default the anonymous realm. */
export function realmsFromEnv(env: NodeJS.ProcessEnv): readonly string[] {
  const realms = (env.EDD_REALMS ?? "default").split(",").map((realm) => realm.trim());
  return realms.filter((realm) => realm !== "");
}
