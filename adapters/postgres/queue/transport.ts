import type { Pool } from "pg";
import type { OutgoingMessage, QueueTransport, ReceivedMessage, ReceiveOptions } from "../../../core/ports/transport.js";
import { pg } from "../../sql/drivers/pg-sdk.js";
import { migrateSql } from "../../sql/component-migrations.js";
import { connectionClient } from "../../sql/connection.js";
import { quoteSchema } from "./schema.js";
import { traceContextOf } from "../../../core/ports/trace-context.js";

export interface PostgresQueueOptions {
  /** A pool to share (not closed by the transport), or a connection string for a pool of its own. */
  readonly pool?: Pool;
  readonly connectionString?: string;
  /** Default "edd"; tests use their own `edd_test_<random>`. */
  readonly schema?: string;
  /** Several queues share one table; default "commands". */
  readonly queue?: string;
  /** Failed deliveries before a message is dead (default 5). */
  readonly maxAttempts?: number;
  /** How long a received message is hidden before it is delivered again unacknowledged (default 30 s). */
  readonly visibilityTimeoutMs?: number;
  /** Finished messages keep suppressing their dedup id this long (default 24 h), then are deleted. */
  readonly deduplicationWindowMs?: number;
  /** How often an empty long-poll looks again (default 100 ms). */
  readonly pollIntervalMs?: number;
}

interface Delivery {
  readonly id: string;
  readonly attempts: number;
  readonly dead: boolean;
}

interface Row {
  id: string;
  body: string;
  realm: string;
  ordering_key: string;
  attempts: number;
  traceparent: string | null;
  tracestate: string | null;
}

/**
 * A durable queue in PostgreSQL. A message is delivered only while it is the oldest live message
 * of its key (so a key never runs two at once, nor out of order); consumers claim with
 * `FOR UPDATE SKIP LOCKED` and hide what they claimed for the visibility timeout.
 */
export class PostgresQueueTransport implements QueueTransport {
  readonly name: string;
  readonly maxAttempts: number;
  /** Practically unlimited; 64 MiB keeps one row reasonable. */
  readonly maxBodyBytes = 64 * 1024 * 1024;
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly table: string;
  private readonly schema: string;
  private readonly queue: string;
  private readonly visibilityTimeoutMs: number;
  private readonly deduplicationWindowMs: number;
  private readonly pollIntervalMs: number;
  private readonly deliveries = new WeakMap<ReceivedMessage, Delivery>();
  private ready: Promise<void> | undefined;
  private lastPurge = 0;

  constructor(options: PostgresQueueOptions) {
    if (options.pool === undefined && options.connectionString === undefined)
      throw new Error("PostgresQueueTransport needs a pool or a connection string.");
    this.pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
    this.ownsPool = options.pool === undefined;
    this.schema = options.schema ?? "edd";
    this.table = `${quoteSchema(this.schema)}.queue_messages`;
    this.queue = options.queue ?? "commands";
    this.name = `postgres:${this.schema}.${this.queue}`;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.deduplicationWindowMs = options.deduplicationWindowMs ?? 24 * 3600_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
  }

  async publish(message: OutgoingMessage): Promise<void> {
    await this.ensureReady();
    await this.pool.query(
      `INSERT INTO ${this.table} (queue, deduplication_id, ordering_key, realm, body, traceparent, tracestate) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (queue, deduplication_id) DO NOTHING`,
      [
        this.queue,
        message.deduplicationId,
        message.orderingKey,
        message.realm,
        message.body,
        message.traceparent ?? null,
        message.tracestate ?? null,
      ],
    );
  }

  async receive(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    await this.ensureReady();
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const messages = await this.claim(options.maxMessages);
      if (messages.length > 0 || Date.now() + this.pollIntervalMs > deadline) return messages;
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
  }

  async acknowledge(message: ReceivedMessage): Promise<void> {
    const delivery = this.deliveries.get(message);
    if (delivery === undefined) return;
    // The attempt number is the lease: an acknowledgement after someone else re-received it does nothing.
    await this.pool.query(`UPDATE ${this.table} SET state = 'done', finished_at = now() WHERE id = $1 AND attempts = $2 AND state = $3`, [
      delivery.id,
      delivery.attempts,
      delivery.dead ? "dead" : "ready",
    ]);
  }

  async retry(message: ReceivedMessage, delayMs: number): Promise<void> {
    const delivery = this.deliveries.get(message);
    if (delivery === undefined || delivery.dead) return;
    await this.pool.query(
      `UPDATE ${this.table}
       SET state = CASE WHEN attempts >= $3 THEN 'dead' ELSE 'ready' END,
           finished_at = CASE WHEN attempts >= $3 THEN now() END,
           visible_at = now() + make_interval(secs => $4::double precision / 1000)
       WHERE id = $1 AND attempts = $2 AND state = 'ready'`,
      [delivery.id, delivery.attempts, this.maxAttempts, Math.max(0, delayMs)],
    );
  }

  async receiveDeadLetters(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    await this.ensureReady();
    const { rows } = await this.pool.query<Row>(
      `SELECT d.id::text, body, realm, ordering_key, attempts, traceparent, tracestate FROM ${this.table} AS d WHERE queue = $1 AND state = 'dead' ORDER BY d.id LIMIT $2`,
      [this.queue, options.maxMessages],
    );
    return rows.map((row) => this.toMessage(row, true));
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  private async claim(max: number): Promise<ReceivedMessage[]> {
    await this.housekeeping();
    const { rows } = await this.pool.query<Row>(
      `WITH picked AS (
         SELECT m.id FROM ${this.table} m
         WHERE m.queue = $1 AND m.state = 'ready' AND m.visible_at <= now() AND m.attempts < $3
           AND NOT EXISTS (
             SELECT 1 FROM ${this.table} p
             WHERE p.queue = m.queue AND p.ordering_key = m.ordering_key AND p.state = 'ready' AND p.id < m.id)
         ORDER BY m.id LIMIT $2
         FOR UPDATE SKIP LOCKED)
       UPDATE ${this.table} q SET attempts = q.attempts + 1, visible_at = now() + make_interval(secs => $4::double precision / 1000)
       FROM picked WHERE q.id = picked.id
       RETURNING q.id::text, q.body, q.realm, q.ordering_key, q.attempts, q.traceparent, q.tracestate`,
      [this.queue, max, this.maxAttempts, this.visibilityTimeoutMs],
    );
    return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id))).map((row) => this.toMessage(row, false));
  }

  /** Dead-letters messages whose last allowed delivery timed out (the consumer died) and forgets old finished ones. */
  private async housekeeping(): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.table} SET state = 'dead', finished_at = now()
       WHERE queue = $1 AND state = 'ready' AND attempts >= $2 AND visible_at <= now()`,
      [this.queue, this.maxAttempts],
    );
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.pool.query(
      `DELETE FROM ${this.table} WHERE queue = $1 AND state = 'done' AND finished_at < now() - make_interval(secs => $2::double precision / 1000)`,
      [this.queue, this.deduplicationWindowMs],
    );
  }

  private toMessage(row: Row, dead: boolean): ReceivedMessage {
    const message: ReceivedMessage = {
      id: row.id,
      body: row.body,
      realm: row.realm,
      orderingKey: row.ordering_key,
      attempt: row.attempts,
      ...traceContextOf(row.traceparent, row.tracestate),
    };
    this.deliveries.set(message, { id: row.id, attempts: row.attempts, dead });
    return message;
  }

  private ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        // The queue's versioned set, as `edd migrate --queue` runs it; on one connection, since it is a transaction.
        await migrateSql(connectionClient(client), { schema: this.schema, components: ["queue"] });
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
