import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, realpath, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import {
  ObjectExistsError,
  type ObjectRef,
  ObjectRefRefusedError,
  type ObjectStore,
  type PutOptions,
} from "../../core/ports/object-store.js";

/**
 * Large commands on a shared filesystem (NFS, SMB, a mounted volume) for on-prem deployments.
 * References carry paths relative to the root, so producers and consumers may mount it at different places.
 */
export class FileObjectStore implements ObjectStore {
  readonly kind = "file";

  constructor(private readonly root: string) {}

  async put(key: string, body: string, options: PutOptions = {}): Promise<ObjectRef> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename: a consumer never reads a half-written command. Each put has its own
    // partial file, so concurrent puts of one key never write into or remove each other's.
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, body, "utf8");
    if (options.ifAbsent !== true) {
      await rename(partial, path);
      return { store: this.kind, key };
    }
    // link() fails when the name exists, atomically: two writers cannot both win it.
    try {
      await link(partial, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new ObjectExistsError(key);
      throw error;
    } finally {
      await unlink(partial);
    }
    return { store: this.kind, key };
  }

  /**
   * References arrive in queue messages, which anyone who may publish can write: only files under
   * the root are read, also when a link inside it points elsewhere (a confused deputy otherwise).
   */
  async get(ref: ObjectRef): Promise<string> {
    if (ref.store !== this.kind) throw new ObjectRefRefusedError(`A "${ref.store}" reference cannot be read from the filesystem store.`);
    if (ref.bucket !== undefined) throw new ObjectRefRefusedError("A filesystem large-command reference has no bucket.");
    const path = await realpath(this.pathOf(ref.key));
    const root = await realpath(this.root);
    if (!path.startsWith(`${root}${sep}`)) throw new ObjectRefRefusedError(`Object key ${ref.key} leaves the store's root.`);
    return readFile(path, "utf8");
  }

  private pathOf(key: string): string {
    const relative = normalize(key);
    // A reference comes from a message: never let it point outside the root.
    if (key === "" || isAbsolute(relative) || relative.split(sep).includes(".."))
      throw new ObjectRefRefusedError(`Object key ${key} leaves the store's root.`);
    return join(this.root, relative);
  }
}
