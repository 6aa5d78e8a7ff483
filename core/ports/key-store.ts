/** One data subject's key: 32 random bytes (AES-256) and the id ciphertexts name it by. */
export interface SubjectKey {
  readonly id: string;
  readonly material: Uint8Array;
}

/**
 * Where the per-subject keys of personal data live (docs/privacy.md). Destroying a subject's keys
 * is what erases its data: every copy of a ciphertext becomes unreadable at once, wherever it is.
 * Every method is scoped to a realm.
 */
export interface KeyStore {
  /** The subject's key, made on first use. Throws SubjectForgottenError once the subject is forgotten. */
  keyFor(realm: string, subject: string): Promise<SubjectKey>;
  /** A key by its id; undefined once destroyed (or never made in this realm). */
  findKey(realm: string, keyId: string): Promise<Uint8Array | undefined>;
  /** Whether `forget` ran for the subject. */
  isForgotten(realm: string, subject: string): Promise<boolean>;
  /**
   * Destroys the subject's keys and remembers that it is forgotten, so no new key is made for it.
   * Idempotent: returns how many keys this call destroyed (0 when already forgotten or never keyed).
   */
  forget(realm: string, subject: string): Promise<{ readonly destroyed: number }>;
  close(): Promise<void>;
}

/**
 * The cryptography personal data needs, injected so core imports nothing but zod:
 * adapters/node-crypto implements it on node:crypto (AES-256-GCM, HMAC-SHA256).
 */
export interface FieldCipher {
  /** A fresh 32-byte key. */
  newKey(): Uint8Array;
  /** Authenticated encryption; the result carries its nonce and tag. `context` is bound, not stored. */
  encrypt(key: Uint8Array, plaintext: Uint8Array, context: Uint8Array): Uint8Array;
  /** Undoes encrypt; throws when the key, the context or the bytes do not match. */
  decrypt(key: Uint8Array, sealed: Uint8Array, context: Uint8Array): Uint8Array;
  /** A keyed hash (hex): the same text and key always give the same hash, nothing gives the text back. */
  keyedHash(key: Uint8Array, text: string): string;
}

/** Personal data of a forgotten subject cannot be stored again: its key is gone for good. */
export class SubjectForgottenError extends Error {
  override readonly name = "SubjectForgottenError";
  constructor(
    readonly realm: string,
    readonly subject: string,
  ) {
    super(`data subject ${subject} of realm ${realm} was forgotten: its personal data cannot be stored again`);
  }
}

/**
 * Protects subject keys at rest (envelope encryption): a master key from the environment, or a
 * cloud KMS key that never leaves the KMS. `context` names the key it wraps and must match on unwrap.
 */
export interface KeyWrapper {
  /** Which wrapping key, stored beside each wrapped key (e.g. `master`, a KMS key ARN). */
  readonly name: string;
  wrap(key: Uint8Array, context: string): Promise<Uint8Array>;
  unwrap(wrapped: Uint8Array, context: string): Promise<Uint8Array>;
}
