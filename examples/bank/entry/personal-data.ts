import { type Logger, protectPersonalData, protectPersonalViews, type Store, type ViewStore } from "edd";
import { nodeCipher } from "edd/node-crypto";
import type { KeyStore } from "edd/ports";
import { bankServices } from "../services.js";
import { accountSummaries } from "../views.js";

/**
 * How a deployed bank keeps the owner's email, personal data (docs/privacy.md), decided from the
 * environment before any store opens, so a misconfigured function fails at once:
 * - in memory (no DATABASE_URL): sealed with keys in memory, which die with the data;
 * - on PostgreSQL with EDD_MASTER_KEY (from the platform's secret store): sealed, keys in the same database;
 * - on PostgreSQL without it: refused, unless EDD_PERSONAL_DATA=plain says plainly to store it unsealed (local runs only).
 */
export type PersonalDataMode = "memory" | "sealed" | "plain";

export function personalDataMode(env: Readonly<Record<string, string | undefined>>): PersonalDataMode {
  const asked = env.EDD_PERSONAL_DATA ?? "";
  if (asked !== "" && asked !== "sealed" && asked !== "plain") {
    throw new Error(`EDD_PERSONAL_DATA must be sealed (the default) or plain, not ${asked}`);
  }
  const masterKey = (env.EDD_MASTER_KEY ?? "") !== "";
  if (asked === "plain" && masterKey) throw new Error("EDD_PERSONAL_DATA=plain contradicts EDD_MASTER_KEY: unset one of them");
  if (asked === "plain") return "plain";
  if ((env.DATABASE_URL ?? "") === "") return "memory";
  if (masterKey) return "sealed";
  throw new Error(
    "the bank stores personal data (the account owner's email) and no key store is configured: set EDD_MASTER_KEY " +
      "(openssl rand -base64 32, from the platform's secret store), or EDD_PERSONAL_DATA=plain for a local run (docs/privacy.md)",
  );
}

/** The store and views with the owner sealed by `keys`, or as they are when the mode is plain (with a warning). */
export function sealBankData<S extends { readonly store: Store; readonly views: ViewStore }>(
  stores: S,
  keys: KeyStore | undefined,
  logger: Logger,
): S {
  if (keys === undefined) {
    logger.warn("personal data is stored unsealed (EDD_PERSONAL_DATA=plain): for local runs only (docs/privacy.md)");
    return stores;
  }
  const store = protectPersonalData(stores.store, { services: bankServices, keys, cipher: nodeCipher });
  return { ...stores, store, views: protectPersonalViews(stores.views, store, [accountSummaries]) };
}
