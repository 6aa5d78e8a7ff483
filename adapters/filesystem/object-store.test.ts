import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileObjectStore } from "./index.js";

describe("FileObjectStore", () => {
  let dir: string;
  let root: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "edd-files-"));
    root = join(dir, "large");
    await mkdir(root);
    await writeFile(join(dir, "secret.json"), '{"not":"yours"}');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads back what it stored", async () => {
    const objects = new FileObjectStore(root);
    const ref = await objects.put("edd-large-commands/a.json", '{"ok":true}');
    expect(await objects.get(ref)).toBe('{"ok":true}');
  });

  it("finding 13: a reference may name only files under the configured root", async () => {
    const objects = new FileObjectStore(root);
    await expect(objects.get({ store: "file", key: "../secret.json" })).rejects.toThrow(/root/);
    await expect(objects.get({ store: "file", key: join(dir, "secret.json") })).rejects.toThrow(/root/);
    await expect(objects.get({ store: "file", key: "" })).rejects.toThrow(/root/);
    // A link inside the root that points outside it (a shared volume someone else can write).
    await symlink(join(dir, "secret.json"), join(root, "innocent.json"));
    await expect(objects.get({ store: "file", key: "innocent.json" })).rejects.toThrow(/root/);
    // A reference meant for a bucket store is not silently read from the disk.
    await writeFile(join(root, "k.json"), "{}");
    await expect(objects.get({ store: "file", bucket: "elsewhere", key: "k.json" })).rejects.toThrow(/bucket/);
  });
});
