import { describe, it } from "vitest";
import { specification } from "edd/testing";
import { transfers } from "./transfers.js";

const spec = specification(transfers);
const request = { from: "a", to: "b", amount: 10 };
const requested = { type: "TransferRequested", data: request } as const;
const open = { id: "x", status: "open" };

describe("transfers", () => {
  it("requests a transfer between existing accounts", () => {
    spec
      .given([])
      .when("RequestTransfer", request, { deps: { source: open, target: open } })
      .thenEmits([requested]);
  });

  it("rejects a transfer to an unknown account", () => {
    spec
      .given([])
      .when("RequestTransfer", request, { deps: { source: open, target: null } })
      .thenRejects("unknown-account");
  });

  it("records the debit with what the credit step needs", () => {
    spec
      .given([requested])
      .when("MarkDebited", {})
      .thenEmits([{ type: "TransferDebited", data: { to: "b", amount: 10 } }]);
  });

  it("compensates a refused credit by refunding the source", () => {
    spec
      .given([requested, { type: "TransferDebited", data: { to: "b", amount: 10 } }])
      .when("CompensateTransfer", { reason: "account-not-open" })
      .thenEmits([{ type: "TransferCompensating", data: { from: "a", amount: 10, reason: "account-not-open" } }]);
  });

  it("ignores a step that arrives twice", () => {
    spec
      .given([requested, { type: "TransferDebited", data: { to: "b", amount: 10 } }])
      .when("MarkDebited", {})
      .thenEmits([]);
  });
});
