import { accounts } from "./accounts.js";
import { transfers } from "./transfers.js";

/** The bank: two services that talk only through effects and queries. */
export const bankServices = [accounts, transfers];
export { accounts, transfers };
