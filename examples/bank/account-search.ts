import * as z from "zod";
import type { ViewFilter, ViewQuery, ViewStore } from "edd";

/**
 * Searching the account summaries (see views.ts for the projection that writes them). Kept apart
 * from the projection so the accounts service can declare SearchAccounts without an import cycle.
 */

/** One searchable document per account: what lists and back-office searches need, nothing more. */
export type AccountSummary = {
  readonly owner: string;
  readonly status: "open" | "closed";
  /** Minor units, like the aggregate. */
  readonly balance: number;
  readonly openedAt: string;
};

export const accountSummaryView = "accounts.summary";

/** The attributes of SearchAccounts: a small, safe vocabulary rather than raw view queries. */
export const accountSearchSchema = z.object({
  /** Words of the owner's email, e.g. "ana" or "example com". */
  owner: z.string().min(1).max(200).meta({ personal: true }).optional(),
  status: z.enum(["open", "closed"]).optional(),
  minBalance: z.number().int().optional(),
  maxBalance: z.number().int().optional(),
  sort: z.enum(["balance", "owner", "openedAt"]).default("owner"),
  order: z.enum(["asc", "desc"]).default("asc"),
  page: z.number().int().min(0).max(99).default(0),
  pageSize: z.number().int().min(1).max(100).default(20),
});

export type AccountSearch = z.input<typeof accountSearchSchema>;

export interface AccountSearchResult {
  readonly total: number;
  readonly accounts: readonly (AccountSummary & { readonly id: string; readonly version: number })[];
}

/** Turns the search attributes into a view query: the one place that knows the view's fields. */
export function accountSearchQuery(input: AccountSearch): ViewQuery {
  const search = accountSearchSchema.parse(input);
  const filters: ViewFilter[] = [];
  if (search.owner !== undefined) filters.push({ field: "owner", match: search.owner });
  if (search.status !== undefined) filters.push({ field: "status", eq: search.status });
  if (search.minBalance !== undefined || search.maxBalance !== undefined) {
    filters.push({
      field: "balance",
      ...(search.minBalance !== undefined && { gte: search.minBalance }),
      ...(search.maxBalance !== undefined && { lte: search.maxBalance }),
    });
  }
  return {
    ...(filters.length > 0 && { filter: { and: filters } }),
    sort: [{ field: search.sort, order: search.order }],
    from: search.page * search.pageSize,
    size: search.pageSize,
  };
}

/** Searches the account summaries of a realm; what the SearchAccounts query runs. */
export async function searchAccounts(views: Pick<ViewStore, "search">, realm: string, input: AccountSearch): Promise<AccountSearchResult> {
  const page = await views.search(realm, accountSummaryView, accountSearchQuery(input));
  return {
    total: page.total,
    accounts: page.items.map((item) => ({ id: item.id, version: item.version, ...(item.data as AccountSummary) })),
  };
}
