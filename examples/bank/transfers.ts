import * as z from "zod";
import { defineService, reject } from "edd";

export interface TransferState {
  readonly status: "none" | "requested" | "debited" | "completed" | "failed" | "compensating" | "compensated";
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly reason?: string;
}

const account = z.object({ id: z.string(), status: z.string() }).nullable();

/**
 * A transfer is a small saga driven by effects: requested → debit the source → credit the target
 * → completed; a refused debit fails it, a refused credit refunds the source. Every step after
 * RequestTransfer is internal: only the saga's effects take it.
 */
export const transfers = defineService<TransferState>("transfers", {
  initialState: () => ({ status: "none", from: "", to: "", amount: 0 }),
})
  .event("TransferRequested", z.object({ from: z.string(), to: z.string(), amount: z.number().int().positive() }), (state, e) => ({
    ...state,
    status: "requested",
    ...e,
  }))
  .event("TransferDebited", z.object({ to: z.string(), amount: z.number().int().positive() }), (state) => ({ ...state, status: "debited" }))
  .event("TransferCompleted", z.object({}), (state) => ({ ...state, status: "completed" }))
  .event("TransferFailed", z.object({ reason: z.string() }), (state, e) => ({ ...state, status: "failed", reason: e.reason }))
  .event("TransferCompensating", z.object({ from: z.string(), amount: z.number().int().positive(), reason: z.string() }), (state, e) => ({
    ...state,
    status: "compensating",
    reason: e.reason,
  }))
  .event("TransferCompensated", z.object({}), (state) => ({ ...state, status: "compensated" }))

  .command("RequestTransfer", {
    schema: z.object({ from: z.string().min(1), to: z.string().min(1), amount: z.number().int().positive() }),
    dependencies: {
      source: { service: "accounts", query: "GetAccount", attributes: (command) => ({ id: command.from }), result: account },
      target: { service: "accounts", query: "GetAccount", attributes: (command) => ({ id: command.to }), result: account },
    },
    handle: (command, state, { deps }) => {
      if (state.status !== "none") return reject("transfer-exists", "A transfer with this id was already requested.");
      if (command.from === command.to) return reject("same-account", "Source and target must differ.");
      if (deps.source === null) return reject("unknown-account", `Source account ${command.from} does not exist.`);
      if (deps.target === null) return reject("unknown-account", `Target account ${command.to} does not exist.`);
      return [{ type: "TransferRequested", data: command }];
    },
  })
  .command("MarkDebited", {
    internal: true,
    schema: z.object({}),
    handle: (_c, state) =>
      state.status === "requested" ? [{ type: "TransferDebited", data: { to: state.to, amount: state.amount } }] : [],
  })
  .command("MarkCredited", {
    internal: true,
    schema: z.object({}),
    handle: (_c, state) => (state.status === "debited" ? [{ type: "TransferCompleted", data: {} }] : []),
  })
  .command("FailTransfer", {
    internal: true,
    schema: z.object({ reason: z.string() }),
    handle: ({ reason }, state) => (state.status === "requested" ? [{ type: "TransferFailed", data: { reason } }] : []),
  })
  .command("CompensateTransfer", {
    internal: true,
    schema: z.object({ reason: z.string() }),
    handle: ({ reason }, state) =>
      state.status === "debited" ? [{ type: "TransferCompensating", data: { from: state.from, amount: state.amount, reason } }] : [],
  })
  .command("MarkRefunded", {
    internal: true,
    schema: z.object({}),
    handle: (_c, state) => (state.status === "compensating" ? [{ type: "TransferCompensated", data: {} }] : []),
  })

  .query("GetTransfer", {
    schema: z.object({ id: z.string().min(1) }),
    handle: async ({ id }, { aggregates }) => {
      const transfer = await aggregates.get(id);
      return transfer === undefined ? null : { id, version: transfer.version, ...transfer.state };
    },
  })

  .effect("TransferRequested", { service: "accounts", command: "DebitForTransfer" }, (event) => [
    { aggregateId: event.data.from, attributes: { transferId: event.aggregateId, amount: event.data.amount } },
  ])
  .effect("TransferDebited", { service: "accounts", command: "CreditForTransfer" }, (event) => [
    { aggregateId: event.data.to, attributes: { transferId: event.aggregateId, amount: event.data.amount } },
  ])
  .effect("TransferCompensating", { service: "accounts", command: "RefundTransfer" }, (event) => [
    { aggregateId: event.data.from, attributes: { transferId: event.aggregateId, amount: event.data.amount } },
  ])
  .build();
