import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { parseViewQuery, viewFilterSchema } from "../core/model/view-query.js";

const doc = readFileSync(new URL("../docs/views.md", import.meta.url), "utf8");

describe("docs/views.md", () => {
  it("shows query examples that parse and run", async () => {
    const blocks = [...doc.matchAll(/```json view-query\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string));
    expect(blocks.length).toBeGreaterThan(0);
    const store = new MemoryViewStore();
    await store.write("r", "accounts.summary", [{ id: "a", version: 1, data: { status: "open", balance: 500, owner: "ana@example.com" } }]);
    for (const block of blocks) {
      const page = await store.search("r", "accounts.summary", parseViewQuery(block));
      expect(page).toEqual({ total: 1, items: [{ id: "a", version: 1, data: { owner: "ana@example.com", balance: 500 } }] });
    }
  });

  it("gives every node of the language table a valid example", () => {
    const section = doc.slice(doc.indexOf("| Node | Example |"), doc.indexOf("Rules every store follows"));
    const examples = [...section.matchAll(/^\| [^|]+ \| `(\{.*?\})` \|/gm)].map((match) => match[1] as string);
    expect(examples).toHaveLength(9);
    for (const example of examples) expect(viewFilterSchema.safeParse(JSON.parse(example)).success, example).toBe(true);
  });
});
