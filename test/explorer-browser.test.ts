import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryAuditReader } from "../adapters/memory/audit.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine, dispatchQueuedCommand } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { explorerSettingsFromEnv, mountExplorer } from "../runtimes/explorer/index.js";

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
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
      await page.getByRole("status").filter({ hasText: "was redriven and removed" }).waitFor();
      expect(await page.getByText("No dead letters in realm default.").isVisible()).toBe(true);

      await page.goto(`${baseUrl}/_edd/?service=accounts&prefix=acc-`);
      await page.screenshot({ path: screenshot.replace("timeline", "home"), fullPage: true });
      await page.getByRole("link", { name: "acc-bob" }).click();
      await page.getByRole("heading", { name: "3. Withdrawn" }).waitFor();
      const bob = await store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: "acc-bob" });
      expect(bob.map((event) => event.type)).toEqual(["AccountOpened", "Deposited", "Withdrawn"]);
      expect(await store.listDeadLetters()).toEqual([]);
    });
  },
);
