/** A synchronous sha256 of a text's UTF-8 bytes, lowercase hex. */
type SyncSha256 = (text: string) => string;

interface NodeCrypto {
  createHash(algorithm: "sha256"): { update(text: string): { digest(encoding: "hex"): string } };
}

let syncSha256: SyncSha256 | null | undefined;

/**
 * Node's own hash where the runtime offers it (`process.getBuiltinModule`: Node 20.16+, Bun, Deno),
 * found at run time so core imports no node: module. It costs a few microseconds of CPU where a
 * Web Crypto digest, a job on the thread pool, costs tens: on every command that is worth having.
 */
function nodeSha256(): SyncSha256 | null {
  if (syncSha256 !== undefined) return syncSha256;
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto =
    typeof runtime?.getBuiltinModule === "function" ? (runtime.getBuiltinModule("node:crypto") as NodeCrypto | undefined) : undefined;
  syncSha256 = typeof crypto?.createHash === "function" ? (text) => crypto.createHash("sha256").update(text).digest("hex") : null;
  return syncSha256;
}

/** sha256 (hex) of a text's UTF-8 bytes: node:crypto where available, Web Crypto everywhere else. */
export async function sha256Hex(text: string): Promise<string> {
  const sync = nodeSha256();
  return sync === null ? webSha256Hex(text) : sync(text);
}

/** The Web Crypto path on its own (runtimes without node:crypto; tests compare the two). */
export async function webSha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
