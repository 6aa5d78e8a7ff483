import { describe, expect, it } from "vitest";
import { querySpecification, specification } from "edd/testing";
import { accounts } from "./accounts.js";

const owner = "ana@example.com";
const opened = { type: "AccountOpened", data: { owner } } as const;
const spec = specification(accounts);

describe("accounts", () => {
  it("opens an account and claims the owner's email", () => {
    spec.given([]).when("OpenAccount", { owner }).thenEmits([opened]);
    spec.given([]).when("OpenAccount", { owner }).thenClaims([owner]);
  });

  it("rejects opening twice", () => {
    spec.given([opened]).when("OpenAccount", { owner }).thenRejects("account-exists");
  });

  it("deposits into an open account only", () => {
    spec
      .given([opened])
      .when("Deposit", { amount: 100 })
      .thenEmits([{ type: "Deposited", data: { amount: 100 } }]);
    spec.given([]).when("Deposit", { amount: 100 }).thenRejects("account-not-open");
  });

  it("rejects a withdrawal over the balance, with the balance in the details", () => {
    const outcome = spec
      .given([opened, { type: "Deposited", data: { amount: 30 } }])
      .when("Withdraw", { amount: 31 })
      .thenRejects("insufficient-funds");
    expect(outcome.rejection?.details).toEqual({ balance: 30 });
  });

  it("turns a transfer debit over the balance into a refusal event, not a rejection", () => {
    spec
      .given([opened])
      .when("DebitForTransfer", { transferId: "t-1", amount: 5 })
      .thenEmits([{ type: "TransferDebitRefused", data: { transferId: "t-1", amount: 5, reason: "insufficient-funds" } }]);
  });

  it("the test kit fails when the expectation is wrong", () => {
    expect(() =>
      spec
        .given([opened])
        .when("Deposit", { amount: 1 })
        .thenEmits([{ type: "Deposited", data: { amount: 2 } }]),
    ).toThrow(/other events/);
    expect(() => spec.given([opened]).when("Deposit", { amount: 1 }).thenRejects("nope")).toThrow(/not rejected/);
  });

  it("finds an account by owner email", async () => {
    const result = await querySpecification(accounts)
      .given({ "acc-1": [opened, { type: "Deposited", data: { amount: 7 } }] }, { [owner]: "acc-1" })
      .query("FindAccountByOwner", { owner });
    expect(result).toEqual({ id: "acc-1", version: 2, status: "open", owner, balance: 7 });
  });
});
