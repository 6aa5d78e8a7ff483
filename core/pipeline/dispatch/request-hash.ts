import type { CommandRequest } from "../../model/envelope.js";
import { EddError } from "../../model/errors.js";
import type { Principal } from "../../model/principal.js";
import type { StoredResponse } from "../../ports/store.js";
import { canonicalJsonByCodePoint } from "../../model/canonical-json.js";
import { sha256Hex } from "../../model/sha256.js";

/** What a stored answer is bound to: who asked, and what they asked. */
export interface RequestFingerprint {
  readonly principal: string;
  readonly requestHash: string;
}

/**
 * sha256 (hex) over the canonical JSON of the request's commands: what decides its answer.
 * Key order, `interactionId` and `meta` may differ on a resend; anything a command says may not.
 * node:crypto where the runtime has it, Web Crypto elsewhere (core/model/sha256.ts). `keyed` (a
 * store that seals personal data) turns it into a keyed hash, so the stored one confirms no guess.
 */
export async function fingerprintOf(
  request: CommandRequest,
  principal: Principal,
  keyed?: (sha256Hex: string) => Promise<string>,
): Promise<RequestFingerprint> {
  const text = canonicalJsonByCodePoint({ commands: request.commands });
  const hex = await sha256Hex(text);
  return { principal: principal.id, requestHash: keyed === undefined ? hex : await keyed(hex) };
}

/**
 * The stored answer, if it was given to this very request: the same key from another principal
 * or with other commands is a client bug or an attempt to read someone's answer, and replays
 * nothing. Answers stored before fingerprints existed carry none and replay as they did.
 */
export function replayFor(stored: StoredResponse, fingerprint: RequestFingerprint, requestId: string, trusted: boolean): StoredResponse {
  const unbound = stored.principal === undefined && stored.requestHash === undefined;
  // The trusted path (a redelivered effect, a redriven dead letter) may replay whoever asked first: it is the system.
  const samePrincipal = trusted || stored.principal === fingerprint.principal;
  if (unbound || (samePrincipal && stored.requestHash === fingerprint.requestHash)) return stored;
  throw new EddError(
    "idempotency-key-reused",
    `Request id ${requestId} was already used for another request or by another principal; send a new request id.`,
  );
}
