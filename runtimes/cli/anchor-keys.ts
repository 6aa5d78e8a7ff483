import { readFile } from "node:fs/promises";
import { anchorSignerFromPem, anchorVerifierFromPem, sha256 } from "../../adapters/ed25519/index.js";
import { FileObjectStore } from "../../adapters/filesystem/index.js";
import { S3ObjectStore } from "../../adapters/s3/index.js";
import { type Anchor, readAnchor } from "../../core/pipeline/operations/anchor.js";
import type { AnchorSigner, AnchorVerifier } from "../../core/ports/anchor.js";
import type { ObjectStore } from "../../core/ports/object-store.js";

/**
 * Key material for `edd anchor` and `edd verify --anchor`, from a file named on the command line,
 * else from the environment: the PEM itself (EDD_ANCHOR_PRIVATE_KEY / EDD_ANCHOR_PUBLIC_KEY) or a
 * file holding it (…_FILE). docs/verify.md shows how to make a key pair.
 */
async function pemFrom(path: string | undefined, env: NodeJS.ProcessEnv, variable: string, what: string): Promise<string> {
  if (path !== undefined) return readFile(path, "utf8");
  const inline = env[variable];
  if (inline !== undefined && inline !== "") return inline;
  const file = env[`${variable}_FILE`];
  if (file !== undefined && file !== "") return readFile(file, "utf8");
  throw new Error(`no ${what}: pass it as a PEM file or set ${variable} or ${variable}_FILE`);
}

export async function loadAnchorSigner(path: string | undefined, env: NodeJS.ProcessEnv): Promise<AnchorSigner> {
  return anchorSignerFromPem(await pemFrom(path, env, "EDD_ANCHOR_PRIVATE_KEY", "anchor private key (--key)"));
}

export async function loadAnchorVerifier(path: string | undefined, env: NodeJS.ProcessEnv): Promise<AnchorVerifier> {
  return anchorVerifierFromPem(await pemFrom(path, env, "EDD_ANCHOR_PUBLIC_KEY", "anchor public key (--public-key)"));
}

/** Reads and proves an anchor file with the operator's public key (AnchorFileError when it does not hold). */
export async function loadAnchor(file: string, publicKeyPath: string | undefined, env: NodeJS.ProcessEnv): Promise<Anchor> {
  const verifier = await loadAnchorVerifier(publicKeyPath, env);
  return readAnchor(await readFile(file, "utf8"), { verifier, sha256 });
}

/**
 * Where anchors go when not to a local file: `s3://bucket/prefix` (credentials, region and
 * AWS_ENDPOINT_URL_S3 from the environment; EDD_S3_FORCE_PATH_STYLE=1 for S3-compatible stores)
 * or `file:///mounted/dir`. Returns the store and the key prefix inside it.
 */
export function anchorObjectStore(
  url: string,
  env: NodeJS.ProcessEnv,
): { readonly store: ObjectStore; readonly prefix: string; close(): void } {
  const parsed = new URL(url);
  if (parsed.protocol === "file:") return { store: new FileObjectStore(decodeURIComponent(parsed.pathname)), prefix: "", close: () => {} };
  if (parsed.protocol !== "s3:" || parsed.hostname === "")
    throw new Error(`--object-store takes s3://bucket/prefix or file:///dir, not ${url}`);
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  const client = {
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    ...(env.EDD_S3_FORCE_PATH_STYLE === "1" ? { forcePathStyle: true } : {}),
  };
  const prefix = parsed.pathname.replace(/^\/+/, "");
  const store = new S3ObjectStore({ bucket: parsed.hostname, client });
  return { store, prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`, close: () => store.close() };
}
