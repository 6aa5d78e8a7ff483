import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { verifyChain } from "../../adapters/sql/hash.js";
import { MemoryCheckpointStore } from "../../adapters/memory/checkpoints.js";
import { nodeCipher } from "../../adapters/node-crypto/cipher.js";
import { anonymousPrincipal, createEngine, type Engine } from "../../core/index.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import type { Store } from "../../core/ports/store.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import { randomIds, systemClock } from "../../core/ports/clock.js";
import { createOutboxRelay } from "../../core/pipeline/effects/relay.js";
import { createProjector } from "../../core/pipeline/projections/projection.js";
import { feedAggregateLister, verifyRealm } from "../../core/pipeline/operations/verify.js";
import {
  forgetSubject,
  type ForgetReport,
  type PrivateStore,
  protectPersonalData,
  protectPersonalViews,
} from "../../core/privacy/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { accountSummaries } from "../../examples/bank/views.js";

export const realm = anonymousPrincipal.realm;
export const anaEmail = "ana.privacy@example.com";
export const bobEmail = "bob.privacy@example.org";

/** The bank on a store whose personal data is sealed, with its views. */
export interface PrivateBank {
  readonly store: PrivateStore;
  readonly views: ViewStore;
  readonly engine: Engine;
  command(command: string, aggregateId: string, attributes: Record<string, unknown>, service?: string): Promise<unknown>;
  query(query: string, attributes: Record<string, unknown>): Promise<unknown>;
  /** Delivers effects and projects the views until both are idle. */
  settle(): Promise<void>;
  forget(subject: string): Promise<ForgetReport>;
  verify(): Promise<readonly unknown[]>;
}

export function privateBank(inner: Store, plainViews: ViewStore, keys: KeyStore): PrivateBank {
  const store = protectPersonalData(inner, { services: bankServices, keys, cipher: nodeCipher });
  const views = protectPersonalViews(plainViews, store, [accountSummaries]);
  const engine = createEngine({ services: bankServices, store, views });
  const checkpoints = new MemoryCheckpointStore();
  const projector = createProjector({ store, views, checkpoints, projection: accountSummaries, realm });
  return {
    store,
    views,
    engine,
    async command(command, aggregateId, attributes, service = "accounts") {
      const request = { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ service, command, aggregateId, attributes }] };
      const result = await engine.command(request, anonymousPrincipal);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      return result.body;
    },
    async query(query, attributes) {
      const result = await engine.query({ requestId: randomUUID(), query: { query, attributes } }, anonymousPrincipal);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      return (result.body as { result: unknown }).result;
    },
    async settle() {
      const relay = createOutboxRelay(engine);
      // On PostgreSQL the feed shows a commit once older transactions end: drain until nothing moves.
      for (let round = 0; round < 50; round++) {
        const { delivered } = await relay.drain();
        const projected = await projector.drain();
        if (delivered === 0 && projected === 0 && round > 0) return;
      }
    },
    forget: (subject) =>
      forgetSubject({
        store,
        personal: store.personal,
        realm,
        subject,
        operator: "privacy-officer",
        reason: "GDPR Art. 17 request",
        projections: [accountSummaries],
        views,
        clock: systemClock,
        ids: randomIds,
      }),
    async verify() {
      const report = await verifyRealm({
        store,
        storedForm: inner,
        services: bankServices,
        listAggregates: feedAggregateLister(inner),
        checkChain: verifyChain,
        views,
        projections: [accountSummaries],
        realm,
      });
      return report.problems;
    },
  };
}

/** Ana and Bob open accounts, Ana deposits and transfers 100 to Bob through the saga. */
export async function openAndTransfer(bank: PrivateBank): Promise<void> {
  await bank.command("OpenAccount", "acc-ana", { owner: anaEmail });
  await bank.command("OpenAccount", "acc-bob", { owner: bobEmail });
  await bank.command("Deposit", "acc-ana", { amount: 500 });
  await bank.command("RequestTransfer", "t-1", { from: "acc-ana", to: "acc-bob", amount: 100 }, "transfers");
  await bank.settle();
}
