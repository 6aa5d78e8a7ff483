import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex, webSha256Hex } from "../core/model/sha256.js";

describe("sha256Hex", () => {
  it("gives node's and Web Crypto's digest of the UTF-8 bytes, for any text", async () => {
    for (const text of ["", "abc", '{"commands":[{"amount":3}]}', "Zoë 😀 \u0000 \ud7ff"]) {
      const expected = createHash("sha256").update(text, "utf8").digest("hex");
      expect(await sha256Hex(text)).toBe(expected);
      expect(await webSha256Hex(text)).toBe(expected);
    }
  });
});
