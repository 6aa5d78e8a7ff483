import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import type { AnchorSigner, AnchorVerifier, Sha256 } from "../../core/ports/anchor.js";

/** sha256 from node:crypto, for the anchor's Merkle tree. */
export const sha256: Sha256 = (data) => createHash("sha256").update(data).digest();

/** sha256 (hex) of the public key in DER (SPKI): names the key in an anchor without revealing anything. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** Signs anchors with an Ed25519 private key in PEM (PKCS#8, as `openssl genpkey -algorithm ed25519` writes it). */
export function anchorSignerFromPem(pem: string): AnchorSigner {
  const key = ed25519(createPrivateKey(pem), "private");
  return {
    keyId: keyIdOf(createPublicKey(key)),
    sign: (message) => sign(null, message, key).toString("base64"),
  };
}

/** Verifies anchors with an Ed25519 public key in PEM (SPKI, as `openssl pkey -pubout` writes it). */
export function anchorVerifierFromPem(pem: string): AnchorVerifier {
  const key = ed25519(createPublicKey(pem), "public");
  return {
    keyId: keyIdOf(key),
    verify: (message, signature) => verify(null, message, key, Buffer.from(signature, "base64")),
  };
}

function ed25519(key: KeyObject, kind: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519")
    throw new Error(`the anchor ${kind} key must be Ed25519, not ${key.asymmetricKeyType ?? "unknown"}`);
  return key;
}
