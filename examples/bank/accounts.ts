import * as z from "zod";
import { defineService, reject } from "edd";
import { accountSearchQuery, accountSearchSchema, accountSummaryView } from "./account-search.js";

export interface AccountState {
  readonly status: "new" | "open" | "closed";
  readonly owner: string;
  /** Minor units (cents): integers keep sums exact. */
  readonly balance: number;
}

const amount = z.number().int().positive().max(1_000_000_000);
/** The owner's email is personal data of the account: sealed with the account's key, erased by `edd forget`. */
const owner = z.email().meta({ personal: true });
const transfer = { transferId: z.string().min(1), amount };

export const accounts = defineService<AccountState>("accounts", {
  initialState: () => ({ status: "new", owner: "", balance: 0 }),
  // Each account is its own data subject: `edd forget --subject <account id>` erases its owner.
  dataSubject: "aggregate",
})
  .event("AccountOpened", z.object({ owner }), (state, e) => ({ ...state, status: "open", owner: e.owner }))
  .event("Deposited", z.object({ amount, transferId: z.string().optional() }), (state, e) => ({
    ...state,
    balance: state.balance + e.amount,
  }))
  .event("Withdrawn", z.object({ amount, transferId: z.string().optional() }), (state, e) => ({
    ...state,
    balance: state.balance - e.amount,
  }))
  .event("AccountClosed", z.object({}), (state) => ({ ...state, status: "closed" }))
  .event("TransferDebitRefused", z.object({ ...transfer, reason: z.string() }), (state) => state)
  .event("TransferCreditRefused", z.object({ ...transfer, reason: z.string() }), (state) => state)
  .event("TransferRefunded", z.object(transfer), (state, e) => ({ ...state, balance: state.balance + e.amount }))

  .command("OpenAccount", {
    schema: z.object({ owner }),
    handle: (command, state) => {
      if (state.status !== "new") return reject("account-exists", "This account is already open.");
      return { events: [{ type: "AccountOpened", data: { owner: command.owner } }], identities: [command.owner] };
    },
  })
  .command("Deposit", {
    schema: z.object({ amount }),
    handle: (command, state) => {
      if (state.status !== "open") return reject("account-not-open", "Deposits need an open account.");
      return [{ type: "Deposited", data: { amount: command.amount } }];
    },
  })
  .command("Withdraw", {
    schema: z.object({ amount }),
    handle: (command, state) => {
      if (state.status !== "open") return reject("account-not-open", "Withdrawals need an open account.");
      if (state.balance < command.amount) {
        return reject("insufficient-funds", `Balance ${state.balance} is less than ${command.amount}.`, { balance: state.balance });
      }
      return [{ type: "Withdrawn", data: { amount: command.amount } }];
    },
  })
  .command("CloseAccount", {
    schema: z.object({}),
    handle: (_command, state) => {
      if (state.status !== "open") return reject("account-not-open", "Only an open account can be closed.");
      if (state.balance !== 0) return reject("balance-not-zero", "Withdraw the balance before closing the account.");
      return [{ type: "AccountClosed", data: {} }];
    },
  })
  // Transfer steps never reject: a refusal is a fact the transfer must react to, so it is an event.
  // They are internal: only the transfer saga's effects may take them, never a client.
  .command("DebitForTransfer", {
    internal: true,
    schema: z.object(transfer),
    handle: ({ transferId, amount }, state) => {
      if (state.status !== "open") return [{ type: "TransferDebitRefused", data: { transferId, amount, reason: "account-not-open" } }];
      if (state.balance < amount) return [{ type: "TransferDebitRefused", data: { transferId, amount, reason: "insufficient-funds" } }];
      return [{ type: "Withdrawn", data: { amount, transferId } }];
    },
  })
  .command("CreditForTransfer", {
    internal: true,
    schema: z.object(transfer),
    handle: ({ transferId, amount }, state) => {
      if (state.status !== "open") return [{ type: "TransferCreditRefused", data: { transferId, amount, reason: "account-not-open" } }];
      return [{ type: "Deposited", data: { amount, transferId } }];
    },
  })
  .command("RefundTransfer", {
    internal: true,
    schema: z.object(transfer),
    // Money taken for a failed transfer always goes back, even to a closed account.
    handle: ({ transferId, amount }) => [{ type: "TransferRefunded", data: { transferId, amount } }],
  })

  .query("GetAccount", {
    schema: z.object({ id: z.string().min(1) }),
    handle: async ({ id }, { aggregates }) => {
      const account = await aggregates.get(id);
      return account === undefined ? null : { id, version: account.version, ...account.state };
    },
  })
  .query("FindAccountByOwner", {
    schema: z.object({ owner }),
    handle: async ({ owner }, { identities, aggregates }) => {
      const id = await identities.find(owner);
      const account = id === undefined ? undefined : await aggregates.get(id);
      return account === undefined ? null : { id: account.id, version: account.version, ...account.state };
    },
  })

  .query("SearchAccounts", {
    schema: accountSearchSchema,
    handle: async (search, { views }) => {
      const page = await views.search(accountSummaryView, accountSearchQuery(search));
      return { total: page.total, accounts: page.items.map((item) => ({ id: item.id, version: item.version, ...item.data })) };
    },
  })

  // Effects: the target is declared, so the engine checks it exists; the function picks the aggregates.
  .effect("Withdrawn", { service: "transfers", command: "MarkDebited" }, (event) =>
    event.data.transferId === undefined ? [] : [{ aggregateId: event.data.transferId, attributes: {} }],
  )
  .effect("Deposited", { service: "transfers", command: "MarkCredited" }, (event) =>
    event.data.transferId === undefined ? [] : [{ aggregateId: event.data.transferId, attributes: {} }],
  )
  .effect("TransferDebitRefused", { service: "transfers", command: "FailTransfer" }, (event) => [
    { aggregateId: event.data.transferId, attributes: { reason: event.data.reason } },
  ])
  .effect("TransferCreditRefused", { service: "transfers", command: "CompensateTransfer" }, (event) => [
    { aggregateId: event.data.transferId, attributes: { reason: event.data.reason } },
  ])
  .effect("TransferRefunded", { service: "transfers", command: "MarkRefunded" }, (event) => [
    { aggregateId: event.data.transferId, attributes: {} },
  ])
  .build();
