import { type KeyStore, SubjectForgottenError, type SubjectKey } from "../../core/ports/key-store.js";

interface Entry {
  readonly id: string;
  material: Uint8Array | undefined;
}

/** Subject keys in memory, for tests and single-process demos: they die with the process, and so does the data they seal. */
export class MemoryKeyStore implements KeyStore {
  readonly #subjects = new Map<string, Entry>();
  readonly #byId = new Map<string, Entry>();

  async keyFor(realm: string, subject: string): Promise<SubjectKey> {
    const key = `${realm}\u0000${subject}`;
    let entry = this.#subjects.get(key);
    if (entry === undefined) {
      entry = { id: globalThis.crypto.randomUUID(), material: globalThis.crypto.getRandomValues(new Uint8Array(32)) };
      this.#subjects.set(key, entry);
      this.#byId.set(`${realm}\u0000${entry.id}`, entry);
    }
    if (entry.material === undefined) throw new SubjectForgottenError(realm, subject);
    return { id: entry.id, material: entry.material };
  }

  async findKey(realm: string, keyId: string): Promise<Uint8Array | undefined> {
    return this.#byId.get(`${realm}\u0000${keyId}`)?.material;
  }

  async isForgotten(realm: string, subject: string): Promise<boolean> {
    const entry = this.#subjects.get(`${realm}\u0000${subject}`);
    return entry !== undefined && entry.material === undefined;
  }

  async forget(realm: string, subject: string): Promise<{ readonly destroyed: number }> {
    const key = `${realm}\u0000${subject}`;
    const entry = this.#subjects.get(key);
    if (entry === undefined) {
      this.#subjects.set(key, { id: globalThis.crypto.randomUUID(), material: undefined });
      return { destroyed: 0 };
    }
    const destroyed = entry.material === undefined ? 0 : 1;
    entry.material?.fill(0);
    entry.material = undefined;
    return { destroyed };
  }

  async close(): Promise<void> {}
}
