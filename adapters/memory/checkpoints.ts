import type { CheckpointStore } from "../../core/ports/checkpoints.js";

/** Checkpoints in process memory, for tests and single-process demos. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #values = new Map<string, string>();

  async load(realm: string, name: string): Promise<string | undefined> {
    return this.#values.get(key(realm, name));
  }

  async advance(realm: string, name: string, expected: string | undefined, next: string): Promise<boolean> {
    if (this.#values.get(key(realm, name)) !== expected) return false;
    this.#values.set(key(realm, name), next);
    return true;
  }

  async put(realm: string, name: string, value: string): Promise<void> {
    this.#values.set(key(realm, name), value);
  }

  async remove(realm: string, name: string): Promise<void> {
    this.#values.delete(key(realm, name));
  }
}

function key(realm: string, name: string): string {
  return `${realm}\u0000${name}`;
}
