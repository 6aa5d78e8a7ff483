import { defineConfig } from "edd/cli";
import { bankServices } from "./services.js";
import { accountSummaries } from "./views.js";

/** The bank for `edd serve | verify | rebuild | export | import | dlq`; stores come from the environment. */
export default defineConfig({ services: bankServices, projections: [accountSummaries] });
