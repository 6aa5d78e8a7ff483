import { randomUUID } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymousPrincipal, createEngine, type Engine } from "edd";
import type { UnitOfWork } from "edd/ports";
import type { MetricAttributes, Metrics } from "edd/ports";
import { createPgliteStore, recordSqlBatches, type SqlBatchMessage, sqlBatchChannelName, type SqlStore } from "edd/pglite";
import { bankServices } from "../examples/bank/services.js";

/** Runs `task` while listening on edd:sql:batch; returns what was published meanwhile. */
async function listening(task: () => Promise<unknown>): Promise<SqlBatchMessage[]> {
  const messages: SqlBatchMessage[] = [];
  const listener = (message: unknown) => messages.push(message as SqlBatchMessage);
  subscribe(sqlBatchChannelName, listener);
  try {
    await task();
  } finally {
    unsubscribe(sqlBatchChannelName, listener);
  }
  return messages;
}

const request = (command: string, aggregateId: string, attributes: Record<string, unknown>) => ({
  requestId: randomUUID(),
  interactionId: randomUUID(),
  commands: [{ command, aggregateId, attributes }],
});

describe("edd:sql:batch diagnostics", () => {
  let store: SqlStore;
  let engine: Engine;

  beforeAll(async () => {
    store = await createPgliteStore();
    engine = createEngine({ services: bankServices, store });
    for (const id of ["a1", "a2", "a3", "a4"]) {
      const opened = await engine.command(request("OpenAccount", id, { owner: `${id}@example.com` }), anonymousPrincipal);
      expect(opened.status).toBe(200);
    }
  });
  afterAll(() => store.close());

  it("publishes each batched statement once, and its batches hold every command", async () => {
    const deposits = 24;
    const messages = await listening(() =>
      Promise.all(
        Array.from({ length: deposits }, async (_, i) => {
          const done = await engine.command(request("Deposit", `a${(i % 4) + 1}`, { amount: 1 }), anonymousPrincipal);
          // Deposits on one account race each other; a lost race is retried by the pipeline, so every one lands.
          expect(done.status).toBe(200);
        }),
      ),
    );
    const of = (statement: string) => messages.filter((m) => m.statement === statement);
    const entries = of("request-log entries");
    const commits = of("group commit");
    expect(entries.reduce((sum, m) => sum + m.size, 0)).toBe(deposits);
    // Retried decisions commit again, so the group commit sees at least one call per deposit.
    expect(commits.reduce((sum, m) => sum + m.size, 0)).toBeGreaterThanOrEqual(deposits);
    // Concurrent commands share statements: fewer log writes than commands.
    expect(entries.length).toBeLessThan(deposits);
    for (const m of messages) {
      expect(m.size).toBeGreaterThan(0);
      expect(m.roundTripMs).toBeGreaterThanOrEqual(0);
      expect(m.meanWaitMs).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(messages.map((m) => m.statement))).toEqual(new Set(["request-log entries", "group commit"]));
  });

  it("says so when a batch fails, then each of its calls runs alone", async () => {
    const unit = (key: string): UnitOfWork => ({
      realm: "r1",
      idempotencyKey: key,
      changes: [],
      identities: [],
      effects: [],
      response: { status: 200, body: { key } },
      time: "2026-12-01T00:00:00.000Z",
    });
    await store.commit(unit("answered"));
    // The calls that share a statement with the answered key fail together on its unique
    // violation; then each runs alone, and only the answered one fails again.
    const messages = await listening(() =>
      Promise.allSettled(["leader", "ok-1", "answered", "ok-2"].map((key) => store.commit(unit(key)))),
    );
    const commits = messages.filter((m) => m.statement === "group commit");
    const failedAt = commits.findIndex((m) => !m.ok && m.size > 1);
    expect(failedAt).toBeGreaterThanOrEqual(0);
    const alone = commits.slice(failedAt + 1);
    expect(alone.map((m) => m.size)).toEqual(Array.from({ length: commits[failedAt]?.size ?? 0 }, () => 1));
    expect(alone.filter((m) => !m.ok)).toHaveLength(1);
    expect(commits.reduce((sum, m) => sum + (m.ok ? m.size : 0), 0)).toBe(3);
  });

  it("recordSqlBatches puts each batch on the Metrics port until it is stopped", async () => {
    const records: { name: string; value: number; attributes: MetricAttributes | undefined }[] = [];
    const metrics: Metrics = { count() {}, record: (name, value, attributes) => records.push({ name, value, attributes }) };
    const stop = recordSqlBatches(metrics);
    const deposit = () => engine.command(request("Deposit", "a1", { amount: 1 }), anonymousPrincipal);
    try {
      expect((await deposit()).status).toBe(200);
    } finally {
      stop();
    }
    const of = (name: string) => records.filter((r) => r.name === name);
    expect(of("edd.store.batch.size").map((r) => [r.attributes?.["edd.statement"], r.value])).toEqual([
      ["request-log entries", 1],
      ["group commit", 1],
    ]);
    expect(of("edd.store.batch.duration").map((r) => r.attributes)).toEqual([
      { "edd.statement": "request-log entries", "edd.outcome": "ok" },
      { "edd.statement": "group commit", "edd.outcome": "ok" },
    ]);
    expect(of("edd.store.batch.wait")).toHaveLength(2);
    const recorded = records.length;
    expect((await deposit()).status).toBe(200);
    expect(records).toHaveLength(recorded);
  });
});
