import * as z from "zod";
import type { AnchorSigner, AnchorVerifier, Sha256 } from "../../ports/anchor.js";
import type { EventFeed } from "../../ports/store.js";
import { canonicalJsonByCodePoint, compareCodePoints } from "../../model/canonical-json.js";
import { line } from "./export-line.js";
import type { EventHasher } from "../../ports/hash-chain.js";
import { type AnchoredHead, keyOf } from "./import-check.js";

/** The anchor file's name and version, in its first line (docs/data-format.md, "Anchor file"). */
export const anchorFormat = "edd.realm-anchor" as const;
export const anchorFormatVersion = 1 as const;

/** What an anchor signs for one aggregate: how many events it had and the hash of the last one. */
export type AnchorLeaf = AnchoredHead;

/** The first line of an anchor file: the realm's digest and its signature. */
export interface AnchorHeader {
  readonly kind: "anchor";
  readonly format: typeof anchorFormat;
  readonly version: typeof anchorFormatVersion;
  readonly realm: string;
  readonly createdAt: string;
  readonly aggregates: number;
  readonly events: number;
  /** RFC 6962 Merkle tree hash (sha256, hex) over the leaves in file order. */
  readonly merkleRoot: string;
  /** sha256 (hex) of the signing key's public key in DER (SPKI): which key to verify with. */
  readonly keyId: string;
  /** Ed25519 signature (base64) over `signedText(header)`. */
  readonly signature: string;
}

export interface Anchor {
  readonly header: AnchorHeader;
  /** Sorted by service, then aggregate id (code points). */
  readonly leaves: readonly AnchorLeaf[];
}

/** The realm cannot be anchored as it is (a broken chain): signing it would vouch for damage. */
export class AnchorRefusedError extends Error {
  override readonly name = "AnchorRefusedError";
}

/** The anchor file is malformed, does not match its root, or its signature does not verify. */
export class AnchorFileError extends Error {
  override readonly name = "AnchorFileError";
}

export interface CollectOptions {
  readonly store: EventFeed;
  readonly realm: string;
  readonly hashEvent: EventHasher;
  readonly pageSize?: number;
  readonly onProgress?: (events: number) => void;
}

/**
 * Every aggregate's event count and last hash, from one pass over the realm's feed, checking each
 * chain on the way (sequence after sequence, each hash from the one before). Memory grows with
 * the number of aggregates, not events.
 */
export async function collectAnchorLeaves(options: CollectOptions): Promise<AnchorLeaf[]> {
  const heads = new Map<string, { service: string; aggregateId: string; events: number; lastHash: string }>();
  const broken: string[] = [];
  let checkpoint: string | undefined;
  let seen = 0;
  for (;;) {
    const page = await options.store.readFeed(options.realm, checkpoint, options.pageSize ?? 1000);
    if (page.events.length === 0) break;
    for (const event of page.events) {
      const key = keyOf(event);
      const head = heads.get(key) ?? { service: event.service, aggregateId: event.aggregateId, events: 0, lastHash: "" };
      const hash = options.hashEvent(head.events === 0 ? null : head.lastHash, event);
      if (event.sequence !== head.events + 1 || hash !== event.hash) {
        broken.push(`${event.service}/${event.aggregateId} sequence ${event.sequence}`);
      }
      heads.set(key, { ...head, events: event.sequence, lastHash: event.hash ?? "" });
    }
    seen += page.events.length;
    checkpoint = page.checkpoint;
    options.onProgress?.(seen);
  }
  if (broken.length > 0) {
    const listed = broken.slice(0, 5).join(", ");
    throw new AnchorRefusedError(
      `broken hash chains (${listed}${broken.length > 5 ? ", …" : ""}): run edd verify; an anchor never vouches for damage`,
    );
  }
  return [...heads.values()].sort((a, b) => compareCodePoints(a.service, b.service) || compareCodePoints(a.aggregateId, b.aggregateId));
}

const encoder = new TextEncoder();

/** The leaf's bytes in the tree: its canonical JSON, keys sorted. */
export const leafText = (leaf: AnchorLeaf) =>
  canonicalJsonByCodePoint({ aggregateId: leaf.aggregateId, events: leaf.events, lastHash: leaf.lastHash, service: leaf.service });

/**
 * RFC 6962 Merkle tree hash: a leaf is sha256(0x00 ‖ leafText), a node sha256(0x01 ‖ left ‖ right),
 * split at the largest power of two below the count; the empty tree is sha256 of nothing. Hex.
 */
export function merkleRoot(leaves: readonly AnchorLeaf[], sha256: Sha256): string {
  const hashes = leaves.map((leaf) => sha256(concat(Uint8Array.of(0), encoder.encode(leafText(leaf)))));
  return toHex(treeHash(hashes, sha256));
}

function treeHash(hashes: readonly Uint8Array[], sha256: Sha256): Uint8Array {
  if (hashes.length === 0) return sha256(new Uint8Array());
  if (hashes.length === 1) return hashes[0] as Uint8Array;
  let split = 1;
  while (split * 2 < hashes.length) split *= 2;
  return sha256(concat(Uint8Array.of(1), treeHash(hashes.slice(0, split), sha256), treeHash(hashes.slice(split), sha256)));
}

/** What the signature covers: every header field but the signature, as canonical JSON (UTF-8). */
export function signedText(header: Omit<AnchorHeader, "signature">): string {
  const { kind, format, version, realm, createdAt, aggregates, events, merkleRoot, keyId } = header;
  return canonicalJsonByCodePoint({ kind, format, version, realm, createdAt, aggregates, events, merkleRoot, keyId });
}

/** Builds and signs the anchor of `leaves`: the file's lines, header first. */
export function createAnchor(options: {
  readonly realm: string;
  readonly leaves: readonly AnchorLeaf[];
  readonly createdAt: string;
  readonly signer: AnchorSigner;
  readonly sha256: Sha256;
}): { readonly anchor: Anchor; readonly lines: readonly string[] } {
  const { realm, leaves, createdAt, signer, sha256 } = options;
  const unsigned = {
    kind: "anchor" as const,
    format: anchorFormat,
    version: anchorFormatVersion,
    realm,
    createdAt,
    aggregates: leaves.length,
    events: leaves.reduce((sum, leaf) => sum + leaf.events, 0),
    merkleRoot: merkleRoot(leaves, sha256),
    keyId: signer.keyId,
  };
  const header: AnchorHeader = { ...unsigned, signature: signer.sign(encoder.encode(signedText(unsigned))) };
  const lines = [
    line(header as unknown as Record<string, unknown>),
    ...leaves.map((leaf) =>
      line({ kind: "aggregate", service: leaf.service, aggregateId: leaf.aggregateId, events: leaf.events, lastHash: leaf.lastHash }),
    ),
  ];
  return { anchor: { header, leaves }, lines };
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const headerLine = z.strictObject({
  kind: z.literal("anchor"),
  format: z.literal(anchorFormat),
  version: z.literal(anchorFormatVersion),
  realm: z.string(),
  createdAt: z.string(),
  aggregates: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  merkleRoot: hex64,
  keyId: hex64,
  signature: z.string().min(1),
});
const leafLine = z.strictObject({
  kind: z.literal("aggregate"),
  service: z.string(),
  aggregateId: z.string(),
  events: z.number().int().positive(),
  lastHash: hex64,
});

/**
 * Reads an anchor file and proves it: each line's shape, the leaves' order, the counts, the Merkle
 * root recomputed from the leaves, the key id and the signature with the operator's public key
 * (never a key the file names). Throws AnchorFileError, naming the line, otherwise.
 */
export function readAnchor(text: string, options: { readonly verifier: AnchorVerifier; readonly sha256: Sha256 }): Anchor {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const parsed = headerLine.safeParse(parseJson(lines[0] ?? ""));
  if (!parsed.success) throw new AnchorFileError(`line 1: not an ${anchorFormat} version ${anchorFormatVersion} header`);
  const header = parsed.data;
  const leaves = lines.slice(1).map((text, i) => {
    const leaf = leafLine.safeParse(parseJson(text));
    if (!leaf.success) throw new AnchorFileError(`line ${i + 2}: ${leaf.error.issues[0]?.message ?? "not an aggregate line"}`);
    const { kind: _kind, ...fields } = leaf.data;
    return fields;
  });
  leaves.forEach((leaf, i) => {
    const before = leaves[i - 1];
    if (
      before !== undefined &&
      (compareCodePoints(before.service, leaf.service) || compareCodePoints(before.aggregateId, leaf.aggregateId)) >= 0
    ) {
      throw new AnchorFileError(`line ${i + 2}: aggregates out of order or repeated`);
    }
  });
  const events = leaves.reduce((sum, leaf) => sum + leaf.events, 0);
  if (header.aggregates !== leaves.length || header.events !== events) {
    throw new AnchorFileError(
      `line 1: the header counts ${header.aggregates} aggregates and ${header.events} events, the file has ${leaves.length} and ${events}`,
    );
  }
  if (merkleRoot(leaves, options.sha256) !== header.merkleRoot)
    throw new AnchorFileError("the aggregates do not match the signed Merkle root");
  if (header.keyId !== options.verifier.keyId)
    throw new AnchorFileError(`signed by key ${header.keyId}, not by the public key given (${options.verifier.keyId})`);
  if (!options.verifier.verify(encoder.encode(signedText(header)), header.signature))
    throw new AnchorFileError("the signature does not verify");
  return { header, leaves };
}

/** The anchor's leaves by aggregate, as import and verify look them up. */
export function anchoredHeads(anchor: Anchor): ReadonlyMap<string, AnchorLeaf> {
  return new Map(anchor.leaves.map((leaf) => [keyOf(leaf), leaf]));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
