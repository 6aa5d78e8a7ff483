import { dynamoImporter } from "../../adapters/dynamodb/importer.js";
import { dynamoRequestLogPruner } from "../../adapters/dynamodb/prune.js";
import type { DynamoStore } from "../../adapters/dynamodb/store.js";
import { PostgresViewStore } from "../../adapters/sql/view-store.js";
import { sqlAuditReader } from "../../adapters/sql/audit.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { sqlImporter } from "../../adapters/sql/importer.js";
import { sqlRequestLogPruner } from "../../adapters/sql/prune.js";
import { SqlStore } from "../../adapters/sql/store.js";
import { openSqlDatabaseFromEnv, viewSqlClient } from "../../adapters/sql/from-env.js";
import { dynamoTargetFromEnv, openDynamoStore } from "../node/dynamodb-stores.js";
import { auditAggregateLister, feedAggregateLister } from "../../core/pipeline/operations/verify.js";
import type { CliContext } from "./context.js";

import type { DataTools } from "./config.js";
import { openKeysFor } from "./personal-data.js";

export type { DataTools };

/**
 * Opens the deployment's stores for the data commands: `openDataTools` from the config when given;
 * else DynamoDB when the environment names it (runtimes/node/dynamodb-stores.ts); else the default SQL store (PostgreSQL at $DATABASE_URL, else PGlite in $EDD_DATA_DIR or
 * .edd-data; schema $EDD_SCHEMA or edd) with its audit listing and importer. A config that only
 * has `openStore` gets the feed listing and no importer.
 */
export async function openDataTools(context: CliContext, wanted: { views: boolean }): Promise<DataTools> {
  const config = context.config;
  if (config.openDataTools !== undefined) return config.openDataTools(context.env);
  const openViews = wanted.views ? context.config.openViews : undefined;
  if (context.config.openStore !== undefined) {
    const store = await context.config.openStore(context.env);
    const views = await openViews?.(context.env);
    const keys = await openKeysFor(context.config, context.env);
    return {
      store,
      ...(views === undefined ? {} : { views }),
      ...(keys === undefined ? {} : { keys }),
      listAggregates: feedAggregateLister(store),
      close: async () => {
        await Promise.all([store.close(), views?.close()]);
      },
    };
  }
  const dynamo = dynamoTargetFromEnv(context.env);
  if (dynamo !== undefined) return dynamoDataTools(await openDynamoStore(dynamo));
  return openDefaultSqlTools(context, wanted.views && (context.config.projections ?? []).length > 0);
}

/** The data tools on DynamoDB: aggregates listed from the feed (no views: they live elsewhere there). */
export function dynamoDataTools(store: DynamoStore): DataTools {
  const importer = dynamoImporter(store);
  return {
    store,
    listAggregates: feedAggregateLister(store),
    importer,
    identities: importer,
    records: importer,
    pruner: dynamoRequestLogPruner(store),
    close: () => store.close(),
  };
}

async function openDefaultSqlTools(context: CliContext, withViews: boolean): Promise<DataTools> {
  const { client, schema } = await openSqlDatabaseFromEnv(context.env, { poolSize: 4 });
  const keys = await openKeysFor(context.config, context.env, { client, schema });
  return { ...sqlDataTools(client, schema, withViews), ...(keys === undefined ? {} : { keys }) };
}

/** The data tools on one SQL database: events, audit listing, importer and (optionally) views in `schema`. */
export function sqlDataTools(client: SqlClient, schema: string, withViews: boolean): DataTools {
  const importer = sqlImporter(client, { schema });
  const views = withViews ? new PostgresViewStore(viewSqlClient(client), { schema }) : undefined;
  return {
    store: new SqlStore(client, { schema }),
    ...(views === undefined ? {} : { views }),
    listAggregates: auditAggregateLister(sqlAuditReader(client, { schema })),
    importer,
    identities: importer,
    records: importer,
    pruner: sqlRequestLogPruner(client, { schema }),
    close: () => client.close(),
  };
}
