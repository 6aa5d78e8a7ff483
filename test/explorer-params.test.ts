import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { sqlAuditReader } from "../adapters/sql/audit.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { mountExplorer } from "../runtimes/explorer/index.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { commandRequest } from "./support/requests.js";

// The explorer on the SQL store, where text the database cannot hold used to surface as a 500.
let client: SqlClient;
let app: ReturnType<typeof createHttpApp>;

beforeAll(async () => {
  client = await createPgliteClient();
  await migrate(client, "explorer_params");
  const store = new SqlStore({ ...client, close: async () => {} }, { schema: "explorer_params" });
  const operator = { id: "olga", realm: "default", roles: ["operator"] };
  const engine = createEngine({ services: bankServices, store, authenticator: async () => ({ ok: true, principal: operator }) });
  await engine.command(
    commandRequest({ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ana@example.com" } }),
    operator,
  );
  app = mountExplorer(createHttpApp(engine), { engine, audit: sqlAuditReader(client, { schema: "explorer_params" }) });
});
afterAll(() => client.close());

const get = (path: string) => app.request(`http://explorer.test${path}`, { headers: { host: "explorer.test" } });

describe("finding 13: explorer parameters", () => {
  it.each([
    ["/_edd/?service=accounts&prefix=%00", "NUL in the id prefix"],
    ["/_edd/?service=accounts&after=acc%00", "NUL in the page cursor"],
    ["/_edd/identity?service=accounts&name=ana%00", "NUL in an identity name"],
    ["/_edd/requests?requestId=%00", "NUL in a request id"],
    ["/_edd/requests?interactionId=x%00y", "NUL in an interaction id"],
    ["/_edd/aggregates/accounts/acc%00", "NUL in an aggregate id"],
    ["/_edd/requests?before=99999999999999999999", "a request cursor past int8"],
    ["/_edd/requests?before=9223372036854775808", "a request cursor one past int8"],
  ])("finding 13: %s (%s) answers 400, not 500", async (path) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).not.toContain("invocation id");
  });

  it("finding 13: valid parameters, the largest cursor included, still answer", async () => {
    expect((await get("/_edd/requests?before=9223372036854775807")).status).toBe(200);
    expect((await get("/_edd/?service=accounts&prefix=acc-")).status).toBe(200);
    expect((await get("/_edd/aggregates/accounts/acc-1")).status).toBe(200);
  });
});
