import { defineProjection } from "edd";
import { type AccountSummary, accountSummaryView } from "./account-search.js";
import { accounts } from "./accounts.js";

export {
  type AccountSearch,
  type AccountSearchResult,
  type AccountSummary,
  accountSearchQuery,
  accountSearchSchema,
  accountSummaryView,
  searchAccounts,
} from "./account-search.js";

/**
 * The bank's read side: account summaries, projected from the accounts service's events and
 * searched with `searchAccounts` (account-search.ts).
 */

const add = (current: AccountSummary | undefined, amount: number) => current && { ...current, balance: current.balance + amount };

export const accountSummaries = defineProjection(accounts, {
  name: "accounts.summary",
  view: accountSummaryView,
  events: {
    AccountOpened: (event): AccountSummary => ({ owner: event.data.owner, status: "open", balance: 0, openedAt: event.time }),
    Deposited: (event, current) => add(current, event.data.amount),
    Withdrawn: (event, current) => add(current, -event.data.amount),
    TransferRefunded: (event, current) => add(current, event.data.amount),
    AccountClosed: (_event, current) => current && { ...current, status: "closed" as const },
  },
});
