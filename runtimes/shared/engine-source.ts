import type { Hono } from "hono";
import type { Engine } from "../../core/pipeline/engine.js";
import type { ProjectionSetup } from "../../core/pipeline/projections/projection-step.js";
import type { RelayOptions } from "../../core/pipeline/effects/relay.js";
import { jsonLogger, type Logger } from "../../core/ports/logger.js";
import type { ObjectStore } from "../../core/ports/object-store.js";
import type { HttpAppOptions } from "../http/app.js";
import { type DeliverEffects, effectsDelivery } from "./effects.js";

/** An engine, or a function that builds one on first use (so a cold start pays only for what it needs). */
export type EngineSource = Engine | (() => Engine | Promise<Engine>);

/** What the projection entry catches up, or a function that builds it on first use. */
export type ProjectionSource = ProjectionSetup | (() => ProjectionSetup | Promise<ProjectionSetup>);

/** Commands from uploaded objects (S3 ObjectCreated, a Blob trigger, Cloud Storage finalized events). */
export interface UploadOptions {
  /** Reads the uploaded object where the event carries only its name (S3, Cloud Storage); Azure hands over the content. */
  readonly objectStore?: ObjectStore;
  /** Keys `<prefix><realm>/<name>` are commands (default "commands/"); others are ignored. */
  readonly prefix?: string;
}

/** What every serverless runtime accepts beside its engine. */
export interface ServerlessOptions extends HttpAppOptions {
  /** How stored effects are delivered before an invocation ends (see effects.ts); `false` leaves them to a relay elsewhere. */
  readonly relay?: RelayOptions | false;
  /** Where failures the platform retries, and every dead letter, are reported (default: JSON lines on stderr, which every platform collects). */
  readonly logger?: Logger;
  /** Resolves large-command references in queued messages (the same store the publishers write to). */
  readonly objectStore?: ObjectStore;
  /** What the projection entry keeps up to date; without it the projection entry refuses to run. */
  readonly projections?: ProjectionSource;
  readonly uploads?: UploadOptions;
}

/** The engine and its HTTP app, both built once, on the first invocation. */
export interface LazyEdd {
  readonly logger: Logger;
  readonly options: ServerlessOptions;
  engine(): Promise<Engine>;
  httpApp(): Promise<Hono>;
  projections(): Promise<ProjectionSetup>;
  /** Call before an invocation answers: delivers the effects it stored. */
  deliverEffects: DeliverEffects;
}

export function lazyEdd(source: EngineSource, options: ServerlessOptions = {}): LazyEdd {
  const logger = options.logger ?? jsonLogger();
  let deliver: DeliverEffects = async () => {};
  const getEngine = once(async () => {
    const ready = await (typeof source === "function" ? source() : source);
    deliver = effectsDelivery(ready, options.relay ?? {}, logger);
    return ready;
  });
  // Loaded on first use: a Lambda command that skips the HTTP app (aws-lambda/direct-command.ts) never loads hono.
  const getApp = once(async () => (await import("../http/app.js")).createHttpApp(await getEngine(), options));
  const getProjections = once(async () => {
    const projections = options.projections;
    if (projections === undefined) throw new Error("The projection entry ran, but no projections are configured (option `projections`).");
    return typeof projections === "function" ? projections() : projections;
  });
  return { logger, options, engine: getEngine, httpApp: getApp, projections: getProjections, deliverEffects: () => deliver() };
}

/** Builds on first use and keeps the result; a failed build (database down) is forgotten, so the next invocation tries again. */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
