export { registerEdd, type AzureFunctionsApp, type EddAzureHandlers, type EddAzureOptions } from "./register.js";
export { createAzureHttpHandler, responseInit, toFetchRequest } from "./http.js";
export { createAzureServiceBusHandler } from "./service-bus.js";
export type { EngineSource } from "../shared/engine-source.js";
export { appServiceAuthClaims } from "./claims.js";
