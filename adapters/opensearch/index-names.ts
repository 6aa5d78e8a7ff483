import { assertViewName } from "../../core/ports/view-store.js";

/**
 * Index names for a view: `<prefix><realm>.<view>` is the alias searches and live writes use;
 * `…_shadow` is the alias of a rebuild's generation; generations are indices `…_g<id>`.
 * Realms may hold any characters, so everything but [a-z0-9-] is escaped as `_<hex>_`; views
 * are kebab-case (no `_`, at most one `.`), so the parts can never run into each other.
 */
export interface ViewIndexNames {
  readonly live: string;
  readonly shadow: string;
  generation(id: string): string;
}

const prefixPattern = /^[a-z0-9][a-z0-9-]{0,30}$/;

export function assertIndexPrefix(prefix: string): void {
  if (!prefixPattern.test(prefix)) throw new Error(`index prefix must be lower-case letters, digits and hyphens: ${prefix}`);
}

export function viewIndexNames(prefix: string, realm: string, view: string): ViewIndexNames {
  assertViewName(view);
  const live = `${prefix}${encodeRealm(realm)}.${view}`;
  // OpenSearch caps index names at 255 bytes; the generation suffix needs room.
  if (Buffer.byteLength(live) > 220) throw new Error(`realm and view make an index name longer than OpenSearch allows: ${live}`);
  return { live, shadow: `${live}_shadow`, generation: (id) => `${live}_g${id}` };
}

export function encodeRealm(realm: string): string {
  if (realm.length === 0) throw new Error("realm must not be empty");
  return [...realm].map((char) => (/^[a-z0-9-]$/.test(char) ? char : `_${(char.codePointAt(0) as number).toString(16)}_`)).join("");
}
