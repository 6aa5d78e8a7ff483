import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { buildSync } from "esbuild";
import { Hono } from "hono";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwtAuthenticator } from "../adapters/jwt/index.js";
import type { createClient as createClientType } from "../client/index.js";
import { memoryAuditReader } from "../adapters/memory/audit.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { createOutboxRelay, dispatchQueuedCommand } from "edd/pipeline";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { explorerSettingsFromEnv, mountExplorer } from "../runtimes/explorer/index.js";
import { serveNode } from "../runtimes/node/index.js";
import { hmacToken } from "./support/hmac-token.js";
import { serveApp } from "./support/serve-app.js";

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const clientEntry = new URL("../client/index.ts", import.meta.url).pathname;
const screenshot = new URL("../test-results/explorer-timeline.png", import.meta.url).pathname;

const store = new MemoryStore();
const engine = createEngine({ services: bankServices, store });
let server: ReturnType<typeof serve> | undefined;
let baseUrl = "";
let browser: Browser | undefined;

/** Sends a command request over HTTP, as a client would; returns its request id. */
async function command(commands: readonly object[]): Promise<string> {
  const body = { requestId: crypto.randomUUID(), interactionId: crypto.randomUUID(), commands };
  const response = await fetch(`${baseUrl}/command`, { method: "POST", body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return body.requestId;
}

describe.skipIf(!hasChromium)(
  `audit explorer in headless Chromium${hasChromium ? "" : ` (skipped: no browser at ${chromiumPath}; apt-get install chromium)`}`,
  () => {
    beforeAll(async () => {
      // Exactly what a demo process does: EDD_EXPLORER=1 on a loopback address, so no sign-in.
      const settings = explorerSettingsFromEnv({ EDD_EXPLORER: "1" }, "127.0.0.1");
      const app = mountExplorer(createHttpApp(engine), { engine, audit: memoryAuditReader(store), ...settings });
      await new Promise<void>((resolve) => {
        server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
          baseUrl = `http://127.0.0.1:${info.port}`;
          resolve();
        });
      });
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    });

    it("finds an account, reads its timeline, and redrives a dead letter once its cause is fixed", async () => {
      await command([{ command: "OpenAccount", aggregateId: "acc-ana", attributes: { owner: "ana@example.com" } }]);
      await command([{ command: "Deposit", aggregateId: "acc-ana", attributes: { amount: 2500 } }]);
      const withdrawal = await command([{ command: "Withdraw", aggregateId: "acc-ana", attributes: { amount: 400 } }]);
      await command([{ command: "OpenAccount", aggregateId: "acc-bob", attributes: { owner: "bob@example.com" } }]);
      // A queued withdrawal Bob cannot cover yet ends in dead letters.
      const queued = {
        requestId: crypto.randomUUID(),
        interactionId: crypto.randomUUID(),
        commands: [{ command: "Withdraw", aggregateId: "acc-bob", attributes: { amount: 700 } }],
      };
      const outcome = await dispatchQueuedCommand(engine, { body: JSON.stringify(queued), source: "sqs:commands.fifo" });
      expect(outcome.outcome).toBe("dead-lettered");

      const page = await (browser as Browser).newPage();
      page.setDefaultTimeout(8000);
      await page.goto(`${baseUrl}/_edd/`);
      await page.getByLabel("Name").fill("ana@example.com");
      await page.getByRole("button", { name: "Find" }).click();
      await page.getByRole("heading", { level: 1, name: "accounts / acc-ana" }).waitFor();
      for (const event of ["1. AccountOpened", "2. Deposited", "3. Withdrawn"]) await page.getByRole("heading", { name: event }).waitFor();
      expect(await page.getByRole("table", { name: "Events, oldest first" }).locator("tbody tr").count()).toBe(3);
      expect(await page.getByText("holds: every hash follows").isVisible()).toBe(true);
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });

      // From the withdrawal back to the request that caused it, and from there to what it changed.
      await page.getByRole("table", { name: "Events, oldest first" }).getByRole("link", { name: withdrawal }).click();
      await page.getByRole("heading", { level: 1, name: "Request log" }).waitFor();
      const requestRow = page.getByRole("table", { name: "Matching requests, newest first" }).locator("tbody tr");
      expect(await requestRow.count()).toBe(1);
      expect(await requestRow.getByRole("link", { name: "accounts/acc-ana" }).getAttribute("href")).toContain("#event-3");
      await page.screenshot({ path: screenshot.replace("timeline", "requests"), fullPage: true });

      await command([{ command: "Deposit", aggregateId: "acc-bob", attributes: { amount: 1000 } }]);
      await page.getByRole("link", { name: "Dead letters" }).click();
      const row = page.getByRole("row", { name: /insufficient-funds/ });
      await row.waitFor();
      await page.screenshot({ path: screenshot.replace("timeline", "dead-letters"), fullPage: true });
      await row.getByRole("button", { name: /Redrive/ }).click();
      await page.getByRole("status").filter({ hasText: "was redriven; its record stays in the history" }).waitFor();
      expect(await page.getByText("No open dead letters in realm default.").isVisible()).toBe(true);

      await page.goto(`${baseUrl}/_edd/?service=accounts&prefix=acc-`);
      await page.screenshot({ path: screenshot.replace("timeline", "home"), fullPage: true });
      await page.getByRole("link", { name: "acc-bob" }).click();
      await page.getByRole("heading", { name: "3. Withdrawn" }).waitFor();
      const bob = await store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: "acc-bob" });
      expect(bob.map((event) => event.type)).toEqual(["AccountOpened", "Deposited", "Withdrawn"]);
      expect(await store.listDeadLetters()).toEqual([]);
    });

    it("draws a transfer's causal tree, charts a balance, and pages through a long timeline", async () => {
      await command([
        { command: "OpenAccount", aggregateId: "acc-tia", attributes: { owner: "tia@example.com" } },
        { command: "OpenAccount", aggregateId: "acc-tom", attributes: { owner: "tom@example.com" } },
        { command: "Deposit", aggregateId: "acc-tia", attributes: { amount: 900 } },
      ]);
      const transfer = await command([
        { command: "RequestTransfer", aggregateId: "tr-1", attributes: { from: "acc-tia", to: "acc-tom", amount: 300 } },
      ]);
      await createOutboxRelay(engine).drain();
      const page = await (browser as Browser).newPage();
      page.setDefaultTimeout(8000);

      // The tree: reached from the request log, each effect drawn indented under the step that caused it.
      await page.goto(`${baseUrl}/_edd/requests?requestId=${transfer}`);
      await page
        .getByRole("link", { name: `Causal tree of request ${transfer}` })
        .first()
        .click();
      await page.getByRole("heading", { level: 1, name: `Causal tree of request ${transfer}` }).waitFor();
      const steps = page.getByRole("list", { name: `Causal tree of request ${transfer}` }).locator("li[data-breadcrumbs]");
      expect(await steps.count()).toBe(5);
      const lefts: number[] = [];
      for (let index = 0; index < 5; index++) lefts.push((await steps.nth(index).locator(":scope > .node").boundingBox())?.x ?? 0);
      for (let depth = 1; depth < 5; depth++) expect(lefts[depth]).toBeGreaterThan(lefts[depth - 1] as number);
      await page.screenshot({ path: screenshot.replace("timeline", "tree"), fullPage: true });

      // From the debit in the tree to the source account's timeline, where the balance is charted.
      await page.getByRole("link", { name: "Withdrawn → accounts/acc-tia #3" }).click();
      await page.getByRole("heading", { level: 1, name: "accounts / acc-tia" }).waitFor();
      const chart = page.getByRole("img", { name: "balance over versions 1 to 3: from 0 to 600, lowest 0, highest 900." });
      expect((await chart.boundingBox())?.width).toBeGreaterThan(300);
      // The stylesheet reached the SVG under the policy (no inline styles): the line is drawn, not filled.
      const stroke = await chart.locator("polyline").evaluate((line) => getComputedStyle(line).strokeWidth);
      expect(stroke).toBe("2px");
      await page.screenshot({ path: screenshot.replace("timeline", "chart"), fullPage: true });

      // Who asked for the debit: the effect applied it, the initiator is whoever requested the transfer.
      const debit = page.getByRole("table", { name: "Events, oldest first" }).getByRole("row").filter({ hasText: "Withdrawn" });
      expect(await debit.getByRole("cell", { name: "system:effects/transfers" }).count()).toBe(1);
      await debit.getByRole("link", { name: "Everything anonymous initiated" }).click();
      await page.getByRole("heading", { level: 1, name: "Initiated by anonymous" }).waitFor();
      const initiated = page.getByRole("table", { name: "Events initiated, newest first" });
      await initiated.getByRole("link", { name: "accounts/acc-tia #3" }).waitFor();
      expect(await initiated.getByRole("row").filter({ hasText: "transfers/tr-1 #1" }).count()).toBe(1);
      const sent = page.getByRole("table", { name: "Requests sent, newest first" });
      expect(await sent.getByRole("link", { name: transfer, exact: true }).count()).toBe(1);
      await page.screenshot({ path: screenshot.replace("timeline", "principal"), fullPage: true });

      // Back to the account, and its state as it stood after the deposit, before the debit.
      await initiated.getByRole("link", { name: "accounts/acc-tia #3" }).click();
      await page.getByRole("link", { name: "state at a version or an instant" }).click();
      await page.getByRole("heading", { level: 1, name: "accounts / acc-tia: state at a point in time" }).waitFor();
      await page.getByRole("spinbutton", { name: "Version (after event number)" }).fill("2");
      await page.getByRole("button", { name: "Show state" }).click();
      const state = page.getByRole("region", { name: "State at version 2" });
      await state.waitFor();
      expect(await state.getByRole("row", { name: "balance 900" }).count()).toBe(1);
      await page.getByRole("textbox", { name: /^or instant/ }).fill("2000-01-01T00:00:00Z");
      await page.getByRole("spinbutton", { name: "Version (after event number)" }).fill("");
      await page.getByRole("button", { name: "Show state" }).click();
      await page.getByRole("region", { name: "State at version 0" }).waitFor();
      await page.screenshot({ path: screenshot.replace("timeline", "state-at"), fullPage: true });

      // 250 events: three pages of at most 100, the latest first.
      await command([{ command: "OpenAccount", aggregateId: "acc-long", attributes: { owner: "long@example.com" } }]);
      for (const count of [100, 100, 49]) {
        await command(Array.from({ length: count }, () => ({ command: "Deposit", aggregateId: "acc-long", attributes: { amount: 1 } })));
      }
      await page.goto(`${baseUrl}/_edd/aggregates/accounts/acc-long`);
      const pager = page.getByRole("navigation", { name: "Timeline pages" }).first();
      await pager.getByText("Events 201 to 250 of 250").waitFor();
      expect(await page.getByRole("table", { name: "Events, oldest first" }).locator("tbody tr").count()).toBe(50);
      await pager.getByRole("link", { name: "Earlier events" }).click();
      await pager.getByText("Events 101 to 200 of 250").waitFor();
      expect(await page.getByRole("table", { name: "Events, oldest first" }).locator("tbody tr").count()).toBe(100);
      await pager.getByRole("link", { name: "First events" }).click();
      await pager.getByText("Events 1 to 100 of 250").waitFor();
      await page.getByRole("heading", { name: "1. AccountOpened" }).waitFor();
      await pager.getByRole("link", { name: "Latest events" }).click();
      await page.getByRole("heading", { name: "250. Deposited" }).waitFor();
      expect(await page.getByRole("img", { name: /balance over versions 1 to 250: from 0 to 249/ }).count()).toBe(1);
      await page.close();
    });

    it("finding 10: the typed client works from a page on another origin, and a page on an origin not allowed is refused", async () => {
      const secret = "a-browser-test-secret-of-32-bytes!";
      const apiStore = new MemoryStore();
      const authenticator = jwtAuthenticator({ secret, issuer: "https://idp.test", audience: "bank" });
      const token = await hmacToken(secret);
      // The front end and a stranger, each on an origin of its own, both serving the client bundle.
      const frontEnd = await serveApp(clientPage());
      const stranger = await serveApp(clientPage(), "localhost");
      const strangerOrigin = stranger.url.replace("127.0.0.1", "localhost");
      const api = await serveNode(createEngine({ services: bankServices, store: apiStore, authenticator }), {
        port: 0,
        relay: false,
        cors: { origins: [frontEnd.url] },
      });
      try {
        const page = await (browser as Browser).newPage();
        page.setDefaultTimeout(8000);
        const call = (origin: string) =>
          page.goto(`${origin}/`).then(async () => {
            await page.locator("body[data-ready]").waitFor({ state: "attached" });
            return page.evaluate(
              async ({ apiUrl, bearer }) => {
                const { createClient } = window as unknown as { createClient: typeof createClientType };
                const client = createClient<typeof bankServices>({ baseUrl: apiUrl, token: () => bearer, retries: 0 });
                const opened = await client.command("OpenAccount", "acc-web", { owner: "web@example.com" });
                const account = await client.query("GetAccount", { id: "acc-web" });
                return { opened, account };
              },
              { apiUrl: api.url, bearer: token },
            );
          });
        const allowed = await call(frontEnd.url);
        expect(allowed.opened).toMatchObject({ ok: true, result: { commands: [{ command: "OpenAccount", version: 1 }] } });
        expect(allowed.account).toMatchObject({ ok: true, result: { owner: "web@example.com", balance: 0 } });

        // The browser's preflight is refused, so the command never leaves the stranger's page.
        const refused = await call(strangerOrigin);
        expect(refused.opened).toMatchObject({ ok: false, status: 0, error: { code: "network-error" } });
        const events = await apiStore.readFeed("default", undefined, 10);
        expect(events.events.map((event) => event.type)).toEqual(["AccountOpened"]);
        await page.close();
      } finally {
        await api.close();
        await frontEnd.close();
        await stranger.close();
      }
    });
  },
);

/** A page and the typed client (client/index.ts, bundled for browsers) on one origin. */
function clientPage(): Hono {
  const bundle = buildSync({ entryPoints: [clientEntry], bundle: true, format: "esm", platform: "browser", write: false });
  const script = bundle.outputFiles[0]?.text ?? "";
  return new Hono()
    .get("/", (c) =>
      c.html(`<!doctype html><title>front end</title><h1>front end</h1>
<script type="module">import { createClient } from "/client.js"; window.createClient = createClient; document.body.dataset.ready = "";</script>`),
    )
    .get("/client.js", (c) => c.body(script, 200, { "content-type": "text/javascript; charset=utf-8" }));
}
