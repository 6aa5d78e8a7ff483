import { type Context, Hono } from "hono";
import type { Engine } from "../../core/pipeline/engine.js";
import { EddError, type ErrorCode } from "../../core/model/errors.js";
import { failure } from "../../core/model/result.js";
import { reply } from "../http/app.js";
import { realmFromKey } from "../../core/pipeline/effects/uploaded-commands.js";
import { ObjectRefRefusedError } from "../../core/ports/object-store.js";
import { type LazyEdd, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";
import { projectionEntry, queueEntry, sweepEntry, uploadEntry } from "../shared/entries.js";
import { pubSubPublishedType, readCloudEvent, storageFinalizedType, storageObject } from "./cloud-events.js";
import { isPubSubPushBody, pushedCommand, pushStatus } from "./push.js";
import {
  choosePushAuthenticator,
  type PushAuthChoice,
  type PushAuthenticator,
  type PushAuthResult,
  unauthenticatedLocalPush,
} from "./push-auth.js";

/** Give exactly one of the `PushAuthChoice` options (see push-auth.ts), or the app refuses to start. */
export interface CloudRunAppOptions extends ServerlessOptions, PushAuthChoice {
  /**
   * Authenticates Eventarc deliveries (`POST /`, `/_edd/events`): their OIDC token is signed for the
   * service URL, not the push endpoint, so they have their own. Without one (and not local), those routes answer 401.
   */
  readonly eventarcAuthenticator?: PushAuthenticator;
  /** Authenticates Cloud Scheduler's calls of `POST /_edd/sweep` and `/_edd/project` (OIDC, its own audience). */
  readonly schedulerAuthenticator?: PushAuthenticator;
  /** Time a scheduled call may take (default 150 s, under Cloud Scheduler's default 180 s attempt deadline). */
  readonly scheduledBudgetMs?: number;
}

/**
 * The Cloud Run service: edd's one HTTP app, plus the endpoints Pub/Sub push (`POST /_edd/pubsub`),
 * Eventarc (CloudEvents on `POST /` or `POST /_edd/events`: Pub/Sub messages and Cloud Storage
 * uploads) and Cloud Scheduler (`POST /_edd/sweep`, `POST /_edd/project`) call. Each kind of
 * caller has its own authenticator.
 */
export function createCloudRunApp(engine: Engine, options: CloudRunAppOptions): Hono {
  const local = options.allowUnauthenticatedLocalPush === true ? unauthenticatedLocalPush : undefined;
  const authenticators = {
    push: choosePushAuthenticator(options),
    eventarc: options.eventarcAuthenticator ?? local ?? notConfigured("Eventarc", "EDD_EVENTARC_AUDIENCE and EDD_EVENTARC_SERVICE_ACCOUNT"),
    scheduler:
      options.schedulerAuthenticator ??
      local ??
      notConfigured("Cloud Scheduler", "EDD_SCHEDULER_AUDIENCE and EDD_SCHEDULER_SERVICE_ACCOUNT"),
  };
  const edd = lazyEdd(engine, options);
  const budgetMs = options.scheduledBudgetMs ?? 150_000;
  const app = new Hono();
  // Cloud Run throttles the CPU between requests: effects are delivered before the answer leaves.
  app.use(async (_c, next) => {
    await edd.engine();
    await next();
    await edd.deliverEffects();
  });

  app.post(
    "/_edd/pubsub",
    guarded(edd, authenticators.push, async (c, auth) => push(c, edd, await c.req.json().catch(() => undefined), auth)),
  );
  const eventarc = guarded(edd, authenticators.eventarc, async (c, auth) => {
    const read = await readCloudEvent(c);
    if (!read.ok) return problem(c, "invalid-envelope", read.message);
    if (read.event.type === pubSubPublishedType) return push(c, edd, read.event.data, auth);
    if (read.event.type === storageFinalizedType) return upload(c, edd, read.event.data, auth);
    return problem(c, "invalid-envelope", `CloudEvents of type ${read.event.type} are not handled here.`);
  });
  app.post("/_edd/events", eventarc);
  // Eventarc posts to "/" by default; the edd app has nothing there.
  app.post("/", eventarc);
  app.post(
    "/_edd/sweep",
    guarded(edd, authenticators.scheduler, async (c) => c.json(await sweepEntry(edd, budgetMs), 200)),
  );
  app.post(
    "/_edd/project",
    guarded(edd, authenticators.scheduler, async (c) => c.json(await projectionEntry(edd, budgetMs), 200)),
  );
  // Everything else is the edd app itself, with its own not-found and error answers.
  app.all("*", async (c) => (await edd.httpApp()).fetch(c.req.raw, c.env));
  return app;
}

type Route = (c: Context, auth: PushAuthResult & { ok: true }) => Promise<Response>;

/** Authenticates, then runs the route; a fault in either answers 503, which the platform retries. */
function guarded(edd: LazyEdd, authenticate: PushAuthenticator, route: Route) {
  return async (c: Context) => {
    try {
      const auth = await authenticate(c);
      if (!auth.ok) return problem(c, auth.status === 401 ? "unauthenticated" : "forbidden", auth.message);
      return await route(c, auth);
    } catch (error) {
      edd.logger.error("platform call failed; it will be retried", { path: c.req.path, reason: String(error) });
      return c.body(null, 503);
    }
  };
}

async function push(c: Context, edd: LazyEdd, body: unknown, auth: { trustRealm: boolean }): Promise<Response> {
  // Not a push body at all: a caller's mistake, not a message to keep. A 400 also nacks a real push.
  if (!isPubSubPushBody(body)) return problem(c, "invalid-envelope", "Expected a Pub/Sub push body {message, subscription}.");
  const command = pushedCommand(body);
  if (!auth.trustRealm && command.realm !== undefined && command.realm !== "default") {
    return problem(c, "forbidden", `Only an authenticated push may name realm "${command.realm}".`);
  }
  const outcome = await queueEntry(edd, command);
  if (outcome.outcome === "done") return c.json(outcome.result.body, 200);
  if (outcome.outcome === "retry") edd.logger.warn("push will be redelivered", { messageId: command.messageId, reason: outcome.reason });
  return c.body(null, pushStatus(outcome));
}

async function upload(c: Context, edd: LazyEdd, data: unknown, auth: { trustRealm: boolean }): Promise<Response> {
  const object = storageObject(data);
  if (object === undefined) return problem(c, "invalid-envelope", "A storage event needs data.bucket and data.name.");
  const store = edd.options.uploads?.objectStore;
  if (store === undefined) throw new Error("a Cloud Storage event arrived, but no uploads.objectStore is configured to read it");
  const realm = realmFromKey(object.name, edd.options.uploads?.prefix);
  if (!auth.trustRealm && realm !== undefined && realm !== "default") {
    return problem(c, "forbidden", `Only an authenticated delivery may name realm "${realm}".`);
  }
  let text: string;
  try {
    text = await store.get({ store: store.kind, bucket: object.bucket, key: object.name });
  } catch (error) {
    if (!(error instanceof ObjectRefRefusedError)) throw error;
    // Another bucket, an unsafe name: no redelivery changes that, so acknowledge and say why.
    edd.logger.warn("uploaded object refused", { bucket: object.bucket, key: object.name, reason: error.message });
    return c.body(null, 204);
  }
  // A transient failure throws here and answers 503: Eventarc delivers the event again.
  return c.json(await uploadEntry(edd, { key: object.name, text, source: `gcs:${object.bucket}` }), 200);
}

/** Fail closed: a route whose caller cannot be told from anyone refuses everyone. */
function notConfigured(caller: string, variables: string): PushAuthenticator {
  return async () => ({
    ok: false,
    status: 401,
    message: `${caller} calls are not enabled here: configure their authenticator (${variables}).`,
  });
}

/** A refusal in the shape of every edd answer: `{ invocationId, error: { code, message } }`. */
function problem(c: Context, code: ErrorCode, message: string): Response {
  return reply(c, failure({ invocationId: globalThis.crypto.randomUUID() }, new EddError(code, message)));
}
