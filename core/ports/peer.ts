/**
 * Vendor SDKs are optional peer dependencies of edd: each entry that needs one loads it through
 * `loadPeer`, so an application that uses the entry without installing the SDK fails at start-up
 * with the package to install rather than a bare "cannot find package".
 */
export class MissingPeerError extends Error {
  override readonly name = "MissingPeerError";
  constructor(
    readonly entry: string,
    readonly peer: string,
    cause: unknown,
  ) {
    super(`${entry} needs the package ${peer}, which is not installed: npm install ${peer}`, { cause });
  }
}

/**
 * Loads `peer` for `entry`. `load` must be an arrow that imports the package by its literal name, so bundlers
 * see and bundle the import as they would a static one.
 */
export async function loadPeer<T>(entry: string, peer: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, peer)) throw new MissingPeerError(entry, peer, error);
    throw error;
  }
}

/** Node's "Cannot find package 'pg' imported from …", and not a module missing inside the package. */
function isMissing(error: unknown, peer: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  return error.message.includes(`'${peer}'`) || error.message.includes(`"${peer}"`);
}
