import type { KeyWrapper } from "../../core/ports/key-store.js";
import { masterKeyFromEnv, masterKeyWrapper, nodeCipher } from "../node-crypto/cipher.js";
import type { SqlClient } from "../sql/client.js";
import { migrateSql } from "../sql/component-migrations.js";
import { SqlKeyStore } from "./key-store.js";

/**
 * The SQL key store on a database the process already opened, its table migrated (the `keys` set).
 * Keys are wrapped by `wrapper`, else by the master key in $EDD_MASTER_KEY (required then).
 */
export async function openSqlKeyStore(
  db: SqlClient,
  options: {
    readonly schema?: string;
    readonly wrapper?: KeyWrapper;
    readonly env?: NodeJS.ProcessEnv;
    readonly cacheMs?: number;
    readonly forgetCheckMs?: number;
  } = {},
): Promise<SqlKeyStore> {
  const wrapper = options.wrapper ?? masterKeyWrapper(masterKeyFromEnv(options.env ?? process.env));
  const schema = options.schema ?? "edd";
  await migrateSql(db, { schema, components: ["keys"] });
  return new SqlKeyStore(db, {
    schema,
    wrapper,
    cipher: nodeCipher,
    ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }),
    ...(options.forgetCheckMs === undefined ? {} : { forgetCheckMs: options.forgetCheckMs }),
  });
}
