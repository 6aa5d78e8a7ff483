import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { FieldCipher, KeyWrapper } from "../../core/ports/key-store.js";

const nonceBytes = 12;
const tagBytes = 16;

/** AES-256-GCM with a random 96-bit nonce per value; sealed bytes are nonce, ciphertext, tag. */
export const nodeCipher: FieldCipher = {
  newKey: () => new Uint8Array(randomBytes(32)),
  encrypt(key, plaintext, context) {
    const nonce = randomBytes(nonceBytes);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(context);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
  },
  decrypt(key, sealed, context) {
    if (sealed.length < nonceBytes + tagBytes) throw new Error("sealed value too short");
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, nonceBytes));
    decipher.setAAD(context);
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(nonceBytes, sealed.length - tagBytes)), decipher.final()]));
  },
  keyedHash: (key, text) => createHmac("sha256", key).update(text, "utf8").digest("hex"),
};

/** Wraps subject keys with a 32-byte master key held by the process (EDD_MASTER_KEY). */
export function masterKeyWrapper(masterKey: Uint8Array): KeyWrapper {
  if (masterKey.length !== 32) throw new Error("the master key must be 32 bytes");
  const contextOf = (context: string) => new TextEncoder().encode(context);
  return {
    name: "master",
    wrap: async (key, context) => nodeCipher.encrypt(masterKey, key, contextOf(context)),
    unwrap: async (wrapped, context) => nodeCipher.decrypt(masterKey, wrapped, contextOf(context)),
  };
}

/**
 * The master key from $EDD_MASTER_KEY: 32 bytes as base64 (`openssl rand -base64 32`) or 64 hex
 * digits. Missing or malformed, it throws naming the variable, so a process never starts without it.
 */
export function masterKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Uint8Array {
  const text = env.EDD_MASTER_KEY?.trim();
  if (text === undefined || text === "") {
    throw new Error("EDD_MASTER_KEY is not set: personal data needs a master key (32 bytes, base64; `openssl rand -base64 32`)");
  }
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (bytes.length !== 32) throw new Error(`EDD_MASTER_KEY must hold 32 bytes (base64 or 64 hex digits); it holds ${bytes.length}`);
  return new Uint8Array(bytes);
}
