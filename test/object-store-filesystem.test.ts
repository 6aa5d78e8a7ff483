import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileObjectStore } from "../adapters/filesystem/index.js";
import { describeObjectStoreContract } from "../contracts/object-store.js";

describeObjectStoreContract("filesystem", async () => {
  const dir = await mkdtemp(join(tmpdir(), "edd-files-"));
  const root = join(dir, "large");
  await mkdir(root);
  return {
    store: new FileObjectStore(root),
    async plantElsewhere(body) {
      await writeFile(join(dir, "secret.json"), body);
      // A link inside the root that points outside it (a shared volume someone else can write).
      await symlink(join(dir, "secret.json"), join(root, "innocent.json"));
      return [
        { store: "file", key: "../secret.json" },
        { store: "file", key: "edd-large-commands/../../secret.json" },
        { store: "file", key: join(dir, "secret.json") },
        { store: "file", key: "innocent.json" },
        { store: "file", bucket: "elsewhere", key: "innocent.json" },
      ];
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
