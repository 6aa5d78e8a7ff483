import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offloadIfLarge, resolveLargeCommand } from "../core/pipeline/effects/large-commands.js";
import { ObjectExistsError, type ObjectRef, type ObjectStore } from "../core/ports/object-store.js";
import { commandMessage } from "../core/ports/transport.js";
import { commandRequest } from "./support/requests.js";

export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  /**
   * Writes `body` where this process's credentials can read it but the store's references must
   * not reach: another bucket or container, a file outside the root. Returns the references a
   * crafted message could use to name it (by its location, by `..` segments, by an absolute path).
   */
  plantElsewhere(body: string): Promise<readonly ObjectRef[]>;
  cleanup?(): Promise<void>;
}

export interface ObjectStoreContractOptions {
  /** False where the backend cannot refuse a racing second writer itself (an emulator ignoring If-None-Match). */
  readonly atomicWriteOnce?: boolean;
}

/** What every object store must do (core/ports/object-store.ts, docs/queues.md): large commands and write-once anchors. */
export function describeObjectStoreContract(
  name: string,
  factory: () => Promise<ObjectStoreFixture>,
  options: ObjectStoreContractOptions = {},
): void {
  describe(`object store contract: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    let store: ObjectStore;
    const key = () => `edd-large-commands/${randomUUID()}.json`;

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.cleanup?.();
    });

    it("reads back exactly what it stored, non-ASCII text and 300 KiB included", async () => {
      const body = JSON.stringify({ note: "crème brûlée, 東京, 🏦", pad: "x".repeat(300 * 1024) });
      const ref = await store.put(key(), body);
      expect(ref.store).toBe(store.kind);
      expect(await store.get(ref)).toBe(body);
    });

    it("overwrites an object put again under its key, as a republished command does", async () => {
      const k = key();
      await store.put(k, '{"n":1}');
      const ref = await store.put(k, '{"n":2}');
      expect(ref.key).toBe(k);
      expect(await store.get(ref)).toBe('{"n":2}');
    });

    it("writes once when asked: a second put of the key is refused and leaves the first object", async () => {
      const k = key();
      const ref = await store.put(k, '{"first":true}', { ifAbsent: true });
      await expect(store.put(k, '{"second":true}', { ifAbsent: true })).rejects.toBeInstanceOf(ObjectExistsError);
      expect(await store.get(ref)).toBe('{"first":true}');
    });

    it.skipIf(options.atomicWriteOnce === false)("lets exactly one of racing write-once puts of a key win", async () => {
      const k = key();
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.put(k, `{"writer":${i}}`, { ifAbsent: true })));
      const won = outcomes.flatMap((outcome, i) => (outcome.status === "fulfilled" ? [i] : []));
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(ObjectExistsError);
      const winner = outcomes[won[0] as number] as PromiseFulfilledResult<ObjectRef>;
      expect(await store.get(winner.value)).toBe(`{"writer":${won[0]}}`);
    });

    it("throws for a missing object", async () => {
      const ref = await store.put(key(), "{}");
      await expect(store.get({ ...ref, key: key() })).rejects.toThrow();
    });

    it("refuses a reference of another kind of store", async () => {
      const ref = await store.put(key(), "{}");
      await expect(store.get({ ...ref, store: store.kind === "s3" ? "file" : "s3" })).rejects.toThrow(/cannot be read/);
    });

    it("refuses a reference with an empty key", async () => {
      const ref = await store.put(key(), "{}");
      await expect(store.get({ ...ref, key: "" })).rejects.toThrow();
    });

    it("finding 13: never reads an object outside its own bucket, container or root, however the reference names it", async () => {
      const planted = JSON.stringify(
        commandRequest({ command: "OpenAccount", aggregateId: "acc-planted", attributes: { owner: "planted@example.com" } }),
      );
      const refs = await fixture.plantElsewhere(planted);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const read = await store.get(ref).then(
          (body) => body,
          () => undefined,
        );
        expect(read, `reference ${JSON.stringify(ref)}`).toBeUndefined();
      }
    });

    it("carries a command too large for its queue and resolves it back to the same request", async () => {
      const request = {
        ...commandRequest({ command: "Deposit", aggregateId: "acc-big", attributes: { amount: 1 } }),
        meta: { scan: "z".repeat(300 * 1024) },
      };
      const message = commandMessage(request, "default");
      const sent = await offloadIfLarge(message, 256 * 1024, store);
      expect(sent.body.length).toBeLessThan(1024);
      expect(JSON.parse(sent.body)).toMatchObject({ eddLargeCommand: { store: store.kind, bytes: message.body.length } });
      expect(await resolveLargeCommand(sent.body, store)).toBe(message.body);
    });
  });
}
