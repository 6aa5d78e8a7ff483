import { type Context, Hono } from "hono";
import type { Engine } from "../../core/pipeline/engine.js";
import { realmAttribute } from "../../core/pipeline/effects/queue.js";
import { jsonLogger } from "../../core/ports/logger.js";
import { createHttpApp } from "../http/app.js";
import { effectsDelivery } from "../shared/effects.js";
import type { ServerlessOptions } from "../shared/engine-source.js";
import { dispatchPushedMessage, isPubSubPushBody, pushStatus } from "./push.js";
import { choosePushAuthenticator, type PushAuthChoice, type PushAuthResult } from "./push-auth.js";

/** Give exactly one of the `PushAuthChoice` options (see push-auth.ts), or the app refuses to start. */
export interface CloudRunAppOptions extends ServerlessOptions, PushAuthChoice {}

const cloudEventType = "google.cloud.pubsub.topic.v1.messagePublished";

/**
 * The Cloud Run service: edd's one HTTP app, plus the endpoints Pub/Sub push (`POST /_edd/pubsub`)
 * and Eventarc (binary-mode CloudEvents on `POST /` or `POST /_edd/events`) deliver queued commands to.
 */
export function createCloudRunApp(engine: Engine, options: CloudRunAppOptions): Hono {
  const authenticatePush = choosePushAuthenticator(options);
  const edd = createHttpApp(engine, options);
  const logger = options.logger ?? jsonLogger();
  const deliverEffects = effectsDelivery(engine, options.relay ?? {}, logger);
  const app = new Hono();
  // Cloud Run throttles the CPU between requests: effects are delivered before the answer leaves.
  app.use(async (_c, next) => {
    await next();
    await deliverEffects();
  });

  const push = async (c: Context) => {
    let auth: PushAuthResult;
    try {
      auth = await authenticatePush(c);
    } catch (error) {
      logger.error("push authentication failed; it will be redelivered", { reason: String(error) });
      return c.body(null, 503);
    }
    if (!auth.ok) return problem(c, auth.status, auth.status === 401 ? "unauthenticated" : "forbidden", auth.message);
    const body: unknown = await c.req.json().catch(() => undefined);
    // Not a push body at all: a caller's mistake, not a message to keep. A 400 also nacks a real push.
    if (!isPubSubPushBody(body)) return problem(c, 400, "invalid-envelope", "Expected a Pub/Sub push body {message, subscription}.");
    const realm = body.message.attributes?.[realmAttribute];
    if (!auth.trustRealm && realm !== undefined && realm !== "default") {
      return problem(c, 403, "forbidden", `Only an authenticated push may name realm "${realm}".`);
    }
    const messageId = body.message.messageId;
    try {
      const outcome = await dispatchPushedMessage(engine, body);
      if (outcome.outcome === "done") return c.json(outcome.result.body, 200);
      if (outcome.outcome === "retry") logger.warn("push will be redelivered", { messageId, reason: outcome.reason });
      return c.body(null, pushStatus(outcome));
    } catch (error) {
      logger.error("push will be redelivered", { messageId, reason: String(error) });
      return c.body(null, 503);
    }
  };
  const cloudEvent = (c: Context) => {
    if (c.req.header("ce-specversion") === undefined || c.req.header("ce-type") !== cloudEventType) {
      return problem(c, 400, "invalid-envelope", `Expected a binary-mode CloudEvent of type ${cloudEventType}.`);
    }
    return push(c);
  };

  app.post("/_edd/pubsub", push);
  app.post("/_edd/events", cloudEvent);
  // Eventarc posts to "/" by default; the edd app has nothing there.
  app.post("/", cloudEvent);
  // Everything else is the edd app itself, with its own not-found and error answers.
  app.all("*", (c) => edd.fetch(c.req.raw, c.env));
  return app;
}

function problem(c: Context, status: 400 | 401 | 403, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}
