// `edd/http`: the one hono app every runtime serves (POST /command, POST /query, GET /health, GET /openapi.json).
export { createHttpApp, defaultMaxBodyBytes, type HttpAppOptions } from "./app.js";
export { buildOpenApi } from "./openapi.js";
