import type { Hono } from "hono";
import type { Engine } from "../../core/pipeline/engine.js";
import type { RelayOptions } from "../../core/pipeline/effects/relay.js";
import { jsonLogger, type Logger } from "../../core/ports/logger.js";
import { createHttpApp, type HttpAppOptions } from "../http/app.js";
import { type DeliverEffects, effectsDelivery } from "./effects.js";

/** An engine, or a function that builds one on first use (so a cold start pays only for what it needs). */
export type EngineSource = Engine | (() => Engine | Promise<Engine>);

/** What every serverless runtime accepts beside its engine. */
export interface ServerlessOptions extends HttpAppOptions {
  /** How stored effects are delivered before an invocation ends (see effects.ts); `false` leaves them to a relay elsewhere. */
  readonly relay?: RelayOptions | false;
  /** Where failures the platform retries are reported (default: JSON lines on stderr, which every platform collects). */
  readonly logger?: Logger;
}

/** The engine and its HTTP app, both built once, on the first invocation. */
export interface LazyEdd {
  readonly logger: Logger;
  engine(): Promise<Engine>;
  httpApp(): Promise<Hono>;
  /** Call before an invocation answers: delivers the effects it stored. */
  deliverEffects: DeliverEffects;
}

export function lazyEdd(source: EngineSource, options: ServerlessOptions = {}): LazyEdd {
  const logger = options.logger ?? jsonLogger();
  let engine: Promise<Engine> | undefined;
  let app: Promise<Hono> | undefined;
  let deliver: DeliverEffects = async () => {};
  const getEngine = () => {
    engine ??= Promise.resolve(typeof source === "function" ? source() : source).then(
      (ready) => {
        deliver = effectsDelivery(ready, options.relay ?? {}, logger);
        return ready;
      },
      (error: unknown) => {
        // A failed start (database down) must not poison the warm instance: the next invocation tries again.
        engine = undefined;
        throw error;
      },
    );
    return engine;
  };
  return {
    logger,
    engine: getEngine,
    httpApp() {
      app ??= getEngine().then(
        (ready) => createHttpApp(ready, options),
        (error: unknown) => {
          app = undefined;
          throw error;
        },
      );
      return app;
    },
    deliverEffects: () => deliver(),
  };
}
