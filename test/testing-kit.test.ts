import { createClient, createMockClient } from "edd/client";
import { defineProjection, defineService, type StoredEvent } from "edd";
import { projectionSpecification, querySpecification, specification, type WhenOptions } from "edd/testing";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { accounts, type bankServices, transfers } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";

const opened = { type: "AccountOpened", data: { owner: "ana@example.com" } } as const;
const requested = { type: "TransferRequested", data: { from: "a", to: "b", amount: 10 } } as const;
const open = { id: "a", status: "open" };

describe("the typed test kit", () => {
  it("asserts the commands a command's events send through effects", () => {
    specification(transfers)
      .given([requested, { type: "TransferDebited", data: { to: "b", amount: 10 } }], "t-1")
      .when("CompensateTransfer", { reason: "account-not-open" })
      .thenEffects([{ service: "accounts", command: "RefundTransfer", aggregateId: "a", attributes: { transferId: "t-1", amount: 10 } }]);
    specification(accounts).given([opened]).when("Deposit", { amount: 5 }).thenEffects([]);
    expect(() =>
      specification(accounts)
        .given([opened, { type: "Deposited", data: { amount: 5 } }])
        .when("Withdraw", { amount: 1 })
        .thenEffects([{ service: "transfers", command: "MarkDebited", aggregateId: "x", attributes: {} }]),
    ).toThrow(/other effects/);
  });

  it("names a declared dependency the test left out", () => {
    expect(() =>
      specification(transfers)
        .given([])
        // @ts-expect-error target is declared, so the kit's types ask for it too
        .when("RequestTransfer", { from: "a", to: "b", amount: 10 }, { deps: { source: open } }),
    ).toThrow("RequestTransfer declares the dependency target: give its result in { deps }");
    expect(() => specification(transfers).given([]).when("RequestTransfer", { from: "a", to: "b", amount: 10 })).toThrow(
      "RequestTransfer declares the dependencies source, target: give their results in { deps }",
    );
  });

  it("folds events into view documents for a projection, deletes on null", () => {
    projectionSpecification(accountSummaries)
      .given({
        "acc-1": [opened, { type: "Deposited", data: { amount: 7 } }],
        "acc-2": [{ type: "Deposited", data: { amount: 1 } }],
      })
      .thenDocuments({ "acc-1": { owner: "ana@example.com", status: "open", balance: 7, openedAt: new Date(0).toISOString() } });
    const closable = defineService<object>("things", { initialState: () => ({}) })
      .event("Made", z.object({ name: z.string() }), (state) => state)
      .event("Gone", z.object({}), (state) => state)
      .build();
    const names = defineProjection(closable, {
      name: "things.names",
      view: "things.names",
      events: { Made: (event) => ({ name: event.data.name }), Gone: () => null },
    });
    const { documents } = projectionSpecification(names)
      .given({
        a: [{ type: "Made", data: { name: "x" } }],
        b: [
          { type: "Made", data: { name: "y" } },
          { type: "Gone", data: {} },
        ],
      })
      .thenDocuments({ a: { name: "x" } });
    expect(documents).toEqual({ a: { name: "x" } });
    expect(() =>
      projectionSpecification(names)
        .given({ a: [] })
        .thenDocuments({ a: { name: "x" } }),
    ).toThrow(/other documents/);
  });
});

describe("types of the public API", () => {
  it("types a service's commands, queries and events from its definition", () => {
    const spec = specification(accounts).given([opened]);
    // Command names and attributes (what a caller sends) come from the schemas.
    expectTypeOf(spec.when<"Deposit">)
      .parameter(1)
      .toEqualTypeOf<{ amount: number }>();
    // Internal commands, which clients cannot send, are the kit's to test all the same.
    expectTypeOf(spec.when<"DebitForTransfer">)
      .parameter(1)
      .toEqualTypeOf<{ transferId: string; amount: number }>();
    // @ts-expect-error no such command
    expect(() => spec.when("Depositt", { amount: 1 })).toThrow(/no command Depositt/);
    // @ts-expect-error amount is a number
    expect(() => spec.when("Deposit", { amount: "1" })).toThrow(/invalid/);
    // @ts-expect-error undeclared event type in given
    specification(accounts).given([{ type: "Nope", data: {} }]);
    // Dependency results typed by their `result` schema.
    type Account = { id: string; status: string } | null;
    expectTypeOf(specification(transfers).given([]).when<"RequestTransfer">)
      .parameter(2)
      .toEqualTypeOf<WhenOptions<{ source: Account; target: Account }> | undefined>();
  });

  it("types query results and projection handlers", async () => {
    const result = await querySpecification(accounts)
      .given({ "acc-1": [opened] })
      .query("GetAccount", { id: "acc-1" });
    expectTypeOf(result).toMatchTypeOf<{ id: string; version: number; balance: number } | null>();
    defineProjection(accounts, {
      name: "accounts.owners",
      view: "accounts.owners",
      events: {
        AccountOpened: (event) => {
          expectTypeOf(event).toEqualTypeOf<StoredEvent<{ owner: string }, "AccountOpened">>();
          return { owner: event.data.owner };
        },
      },
    });
    expect(() =>
      defineProjection(accounts, {
        name: "accounts.bad",
        view: "accounts.bad",
        // @ts-expect-error accounts declares no such event
        events: { Nope: () => ({}) },
      }),
    ).toThrow(/does not declare/);
  });

  it("types the client by the services: command names, attributes and query results", () => {
    const client = createClient<typeof bankServices>({ baseUrl: "http://localhost" });
    expectTypeOf(client.command<"OpenAccount">)
      .parameter(2)
      .toEqualTypeOf<{ owner: string }>();
    expectTypeOf(client.query<"GetTransfer">).returns.resolves.toMatchTypeOf<
      { ok: true; result: { id: string; version: number; status: string } | null } | { ok: false }
    >();
    // @ts-expect-error no such query in the bank
    expectTypeOf(client.query).toBeCallableWith("FindTransfers", {});
    const mock = createMockClient<typeof bankServices>({
      queries: { GetAccount: ({ id }) => ({ id, version: 1, status: "open", owner: "o", balance: 0 }) },
    });
    // Internal commands (sent only by effects) are not the client's to send; the test kit still runs them.
    expectTypeOf(mock.command).parameter(0).toEqualTypeOf<"OpenAccount" | "Deposit" | "Withdraw" | "CloseAccount" | "RequestTransfer">();
  });
});
