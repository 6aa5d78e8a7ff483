export { createCloudRunApp, type CloudRunAppOptions } from "./app.js";
export { serveCloudRun, type CloudRunServer, type CloudRunServerOptions } from "./serve.js";
export { dispatchPushedMessage, isPubSubPushBody, pushStatus, type PubSubPushBody } from "./push.js";
export type { EngineSource } from "../shared/engine-source.js";
export { endpointsUserInfoClaims } from "./claims.js";
export {
  googleJwksUrl,
  type PubSubOidcOptions,
  type PushAuthChoice,
  type PushAuthenticator,
  type PushAuthResult,
  pubSubOidcAuthenticator,
  pushAuthFromEnv,
  pushTokenAuthenticator,
  unauthenticatedLocalPush,
} from "./push-auth.js";
