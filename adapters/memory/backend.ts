import type { Backend } from "../../core/ports/backend.js";
import { memoryAuditReader } from "./audit.js";
import { MemoryCheckpointStore } from "./checkpoints.js";
import { memoryImporter } from "./importer.js";
import { MemoryStore } from "./store.js";
import { MemoryViewStore } from "./view-store.js";

/** The memory family's backend: every store in process memory, gone on close. Nothing to migrate. */
export function memoryBackend(options: { readonly store?: MemoryStore } = {}): Backend & { readonly store: MemoryStore } {
  const store = options.store ?? new MemoryStore();
  const views = new MemoryViewStore();
  return {
    store,
    views,
    checkpoints: new MemoryCheckpointStore(),
    audit: memoryAuditReader(store),
    importer: memoryImporter(store),
    pruner: store,
    description: "memory",
    migrate: async () => {},
    async close() {
      await Promise.all([store.close(), views.close()]);
    },
  };
}
