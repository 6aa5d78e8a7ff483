// `edd/http`: the one hono app every runtime serves (POST /command, POST /query, GET /health, GET /ready, GET /openapi.json).
export { createHttpApp, defaultMaxBodyBytes, type HttpAppOptions } from "./app.js";
export { buildOpenApi } from "./openapi.js";
export { checkReadiness, defaultReadyTimeoutMs, type NotReadyReason, type Readiness, type ReadinessOptions } from "./ready.js";
