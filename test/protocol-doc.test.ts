import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";

const doc = readFileSync(new URL("../docs/protocol.md", import.meta.url), "utf8");
const marked = [...doc.matchAll(/<!-- request: POST (\/\w+) (\d{3}) -->\s*```json\n([\s\S]*?)```/g)].map((m) => ({
  path: m[1] as string,
  status: Number(m[2]),
  body: m[3] as string,
}));

describe("docs/protocol.md", () => {
  it("has examples to check", () => {
    expect(marked.length).toBeGreaterThanOrEqual(5);
  });

  it("every marked request gets the status the document says, in order", async () => {
    const app = createHttpApp(createEngine({ services: bankServices, store: new MemoryStore() }));
    for (const example of marked) {
      const response = await app.request(example.path, { method: "POST", body: example.body });
      expect({ path: example.path, body: example.body, status: response.status }).toEqual({ ...example, status: example.status });
    }
  });
});
