import { type Engine, silentLogger } from "../../../core/index.js";
import { pushTokenAuthenticator, serveCloudRun } from "../../../runtimes/cloud-run/index.js";
import { eventarcRequest, pubSubPushBody } from "../fixtures/google.js";
import type { RuntimeDriver } from "../scenario.js";
import { fetchCall } from "./http.js";

export type CloudRunDelivery = "pubsub-push" | "eventarc";

/** The Cloud Run server on a free port; queued commands arrive as Pub/Sub pushes or Eventarc CloudEvents. */
export async function cloudRunDriver(engine: Engine, delivery: CloudRunDelivery): Promise<RuntimeDriver> {
  const pushToken = crypto.randomUUID();
  // Eventarc cannot carry Pub/Sub's push token: its route has an authenticator of its own.
  const eventarcToken = crypto.randomUUID();
  const server = await serveCloudRun(engine, {
    port: 0,
    hostname: "127.0.0.1",
    logger: silentLogger,
    pushToken,
    eventarcAuthenticator: pushTokenAuthenticator(eventarcToken),
  });
  return {
    http: (call) => fetchCall(server.url, call),
    async enqueue(message) {
      const published = {
        data: message.body,
        messageId: message.messageId,
        orderingKey: message.aggregateId,
        attributes: { "edd-realm": message.realm },
      };
      const request =
        delivery === "eventarc"
          ? { path: "/", ...eventarcRequest(published) }
          : { path: "/_edd/pubsub", headers: { "content-type": "application/json" }, body: JSON.stringify(pubSubPushBody(published)) };
      const token = delivery === "eventarc" ? eventarcToken : pushToken;
      const response = await fetch(`${server.url}${request.path}?token=${token}`, {
        method: "POST",
        headers: request.headers,
        body: request.body,
      });
      await response.arrayBuffer();
      // Pub/Sub's rule: 102, 200, 201, 202 and 204 acknowledge; anything else is redelivered.
      return [102, 200, 201, 202, 204].includes(response.status) ? "acknowledged" : "redelivered";
    },
    close: () => server.close(),
  };
}
