export {
  azureFunctionNames,
  registerEdd,
  type AzureFunctionsApp,
  type EddAzureHandlers,
  type EddAzureOptions,
} from "./register.js";
export { createAzureHttpHandler, responseInit, toFetchRequest } from "./http.js";
export { createAzureServiceBusHandler } from "./service-bus.js";
export { defaultTimerBudgetMs } from "./scheduled.js";
export type { EngineSource, ProjectionSource, ServerlessOptions, UploadOptions } from "../shared/engine-source.js";
export { appServiceAuthClaims } from "./claims.js";
