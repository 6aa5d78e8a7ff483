/** sha256 of bytes; node:crypto's in adapters/ed25519, injected so core stays free of it. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** Signs a realm anchor; adapters/ed25519 holds the Ed25519 one. */
export interface AnchorSigner {
  readonly keyId: string;
  /** The signature of `message`, base64. */
  sign(message: Uint8Array): string;
}

export interface AnchorVerifier {
  readonly keyId: string;
  verify(message: Uint8Array, signature: string): boolean;
}
