export { createCloudRunApp, type CloudRunAppOptions } from "./app.js";
export { serveCloudRun, type CloudRunServer, type CloudRunServerOptions } from "./serve.js";
export { dispatchPushedMessage, isPubSubPushBody, pushedCommand, pushStatus, type PubSubPushBody } from "./push.js";
export { type CloudEvent, pubSubPublishedType, storageFinalizedType } from "./cloud-events.js";
export type { EngineSource, ProjectionSource, ServerlessOptions, UploadOptions } from "../shared/engine-source.js";
export { endpointsUserInfoClaims } from "./claims.js";
export {
  googleJwksUrl,
  type CloudRunAuthFromEnv,
  type PubSubOidcOptions,
  type PushAuthChoice,
  type PushAuthenticator,
  type PushAuthResult,
  pubSubOidcAuthenticator,
  pushAuthFromEnv,
  pushTokenAuthenticator,
  unauthenticatedLocalPush,
} from "./push-auth.js";
