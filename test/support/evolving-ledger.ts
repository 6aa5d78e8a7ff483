import { z } from "zod";
import { defineProjection, defineService } from "../../core/index.js";

/**
 * One service, "ledger", as three releases of its code would declare it: the history a store
 * keeps outlives the code that wrote it. Release 1 stores deposits in cents as `MoneyIn`; release 2
 * renames the type to `Deposited` (version 2, amount and currency), reading release 1's events
 * through an alias and an upcaster; `strict` is a careless release 3 whose schema refuses a
 * deposit release 1 stored.
 */
const initialState = () => ({ owner: "", balance: 0, deposits: 0 });
const opened = z.object({ owner: z.string().min(1) });
const cents = z.object({ cents: z.number().int().positive() });
const deposited = z.object({ amount: z.number().int().positive(), currency: z.enum(["EUR", "USD"]) });
const balance = z.object({ id: z.string() });

export const release1 = defineService("ledger", { initialState })
  .event("Opened", opened, (state, event) => ({ ...state, owner: event.owner }))
  .event("MoneyIn", cents, (state, event) => ({ ...state, balance: state.balance + event.cents, deposits: state.deposits + 1 }))
  .command("Open", { schema: opened, handle: (command) => [{ type: "Opened", data: command }] })
  .command("Deposit", { schema: cents, handle: (command) => [{ type: "MoneyIn", data: command }] })
  .build();

/** Release 1's deposits were all in euros, and `cents` was the whole amount in the ledger's unit. */
const fromRelease1 = (v1: { cents: number }) => ({ amount: v1.cents, currency: "EUR" });

function release2Of(schema: typeof deposited) {
  return defineService("ledger", { initialState })
    .event("Opened", opened, (state, event) => ({ ...state, owner: event.owner }))
    .event("Deposited", schema, (state, event) => ({ ...state, balance: state.balance + event.amount, deposits: state.deposits + 1 }), {
      version: 2,
      aliases: ["MoneyIn"],
      upcast: { 1: fromRelease1 },
    })
    .command("Open", { schema: opened, handle: (command) => [{ type: "Opened", data: command }] })
    .command("Deposit", { schema, handle: (command) => [{ type: "Deposited", data: command }] })
    .query("Balance", {
      schema: balance,
      handle: async (query, context) => (await context.aggregates.get(query.id))?.state.balance,
    })
    .build();
}

export const release2 = release2Of(deposited);

/** Caps deposits at 400: the 500 release 1 stored no longer fits once upcast. */
export const strict = release2Of(deposited.extend({ amount: z.number().int().positive().max(400) }));

function summaryOf(service: typeof release2) {
  return defineProjection(service, {
    name: "ledger.summary",
    view: "ledger.summary",
    events: {
      Opened: (event) => ({ owner: event.data.owner, balance: 0, currencies: [] as string[] }),
      Deposited: (event, current) =>
        current === undefined
          ? undefined
          : {
              ...current,
              balance: current.balance + event.data.amount,
              currencies: [...new Set([...current.currencies, event.data.currency])].sort(),
            },
    },
  });
}

export const summary = summaryOf(release2);
export const strictSummary = summaryOf(strict);
