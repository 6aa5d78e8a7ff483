import type { FieldCipher, KeyStore } from "../ports/key-store.js";

/** What reads show in place of personal data whose subject was forgotten (docs/privacy.md). */
export const erasedMarker = "edd:erased";

/** A sealed value as stored: `edd:sealed:1:<key id>:<base64 of nonce, ciphertext and tag>`. */
const sealedPrefix = "edd:sealed:1:";

/** Keyed hashes of personal identity names start so, to tell them from names stored plain. */
const hashedPrefix = "edd:hmac:";

/** The key identity names are hashed with: one per realm, never a data subject's. */
export const identityKeySubject = "edd:identities";

/** The key request fingerprints and refused bodies' hashes are keyed with: one per realm. */
export const requestHashKeySubject = "edd:request-hash";

/** The key the blind indexes of personal view fields are hashed with: one per realm (docs/privacy.md). */
export const viewIndexKeySubject = "edd:view-index";

export function isSealed(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(sealedPrefix);
}

/**
 * Seals JSON values with their subject's key and opens them again; a value whose key was
 * destroyed opens as `erasedMarker`. The realm and key id are bound to each ciphertext, so one
 * cannot be moved to another realm and still open.
 */
export class Sealer {
  readonly #keys: KeyStore;
  readonly #cipher: FieldCipher;

  constructor(keys: KeyStore, cipher: FieldCipher) {
    this.#keys = keys;
    this.#cipher = cipher;
  }

  get keys(): KeyStore {
    return this.#keys;
  }

  async seal(realm: string, subject: string, value: unknown): Promise<string> {
    const key = await this.#keys.keyFor(realm, subject);
    const plaintext = new TextEncoder().encode(JSON.stringify(value));
    const sealed = this.#cipher.encrypt(key.material, plaintext, context(realm, key.id));
    return `${sealedPrefix}${key.id}:${toBase64(sealed)}`;
  }

  /** The value a sealed string holds, `erasedMarker` if its key is gone; anything else comes back as it is. */
  async open(realm: string, value: unknown): Promise<unknown> {
    if (!isSealed(value)) return value;
    const rest = value.slice(sealedPrefix.length);
    const colon = rest.indexOf(":");
    if (colon < 1) throw new Error("a sealed value without a key id");
    const keyId = rest.slice(0, colon);
    const material = await this.#keys.findKey(realm, keyId);
    if (material === undefined) return erasedMarker;
    const plaintext = this.#cipher.decrypt(material, fromBase64(rest.slice(colon + 1)), context(realm, keyId));
    return JSON.parse(new TextDecoder().decode(plaintext));
  }

  /** Keyed hashing (hex) under one of the realm's own keys (never a data subject's). */
  async hasherFor(realm: string, keySubject: string): Promise<(text: string) => string> {
    const key = await this.#keys.keyFor(realm, keySubject);
    return (text) => this.#cipher.keyedHash(key.material, text);
  }

  /** The stored form of a personal identity name: a keyed hash, so the table holds no name. */
  async hashName(realm: string, service: string, name: string): Promise<string> {
    const key = await this.#keys.keyFor(realm, identityKeySubject);
    return `${hashedPrefix}${this.#cipher.keyedHash(key.material, `${service}\u0000${name}`)}`;
  }
}

/**
 * A keyed hasher for one realm's view index: one key fetch, then the same text always gives the
 * same hash, so a search can compare hashes without the view holding the values.
 */
export async function indexHasher(sealer: Sealer, realm: string): Promise<(text: string) => string> {
  return sealer.hasherFor(realm, viewIndexKeySubject);
}

const context = (realm: string, keyId: string) => new TextEncoder().encode(`${realm}\u0000${keyId}`);

// btoa/atob rather than Buffer: core runs wherever Web APIs do.
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
