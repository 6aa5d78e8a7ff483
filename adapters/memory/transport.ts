import type { OutgoingMessage, QueueTransport, ReceivedMessage, ReceiveOptions } from "../../core/ports/transport.js";
import { traceContextOf } from "../../core/ports/trace-context.js";

export interface MemoryTransportOptions {
  readonly name?: string;
  /** Failed deliveries before a message moves to the dead letters (default 5). */
  readonly maxAttempts?: number;
  /** How long a received message stays hidden before it is delivered again unacknowledged (default 30 s). */
  readonly visibilityTimeoutMs?: number;
  /** How long a deduplication id suppresses republishing (default 5 minutes, as SQS FIFO). */
  readonly deduplicationWindowMs?: number;
  /** Default unlimited; set it to exercise large-command offloading. */
  readonly maxBodyBytes?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly id: string;
  readonly message: OutgoingMessage;
  attempts: number;
  visibleAt: number;
  /** Changes on each delivery, so a late acknowledgement of an earlier delivery does nothing. */
  lease: number;
}

/** A single-process queue with the semantics of a FIFO platform queue: per-key order, visibility, dedup, dead letters. */
export class MemoryTransport implements QueueTransport {
  readonly name: string;
  readonly maxAttempts: number;
  readonly maxBodyBytes: number;
  private readonly visibilityTimeoutMs: number;
  private readonly deduplicationWindowMs: number;
  private readonly now: () => number;
  private readonly entries: Entry[] = [];
  private readonly dead: Entry[] = [];
  private readonly seen = new Map<string, number>();
  private readonly delivered = new WeakMap<ReceivedMessage, { entry: Entry; lease: number }>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private nextLease = 1;
  private closed = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.name = `memory:${options.name ?? "commands"}`;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.deduplicationWindowMs = options.deduplicationWindowMs ?? 5 * 60_000;
    this.maxBodyBytes = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
  }

  async publish(message: OutgoingMessage): Promise<void> {
    this.assertOpen();
    const now = this.now();
    for (const [id, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(id);
    if (this.seen.has(message.deduplicationId)) return;
    this.seen.set(message.deduplicationId, now + this.deduplicationWindowMs);
    this.entries.push({ id: String(this.nextId++), message, attempts: 0, visibleAt: now, lease: 0 });
    this.wake();
  }

  async receive(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    this.assertOpen();
    const first = this.take(options.maxMessages);
    if (first.length > 0 || !options.waitMs) return first;
    await this.waitForChange(options.waitMs);
    return this.take(options.maxMessages);
  }

  async acknowledge(message: ReceivedMessage): Promise<void> {
    const found = this.current(message);
    if (found === undefined) return;
    for (const list of [this.entries, this.dead]) {
      const index = list.indexOf(found);
      if (index >= 0) list.splice(index, 1);
    }
    this.wake();
  }

  async retry(message: ReceivedMessage, delayMs: number): Promise<void> {
    const entry = this.current(message);
    if (entry === undefined || !this.entries.includes(entry)) return;
    entry.lease = 0;
    if (entry.attempts >= this.maxAttempts) this.moveToDead(entry);
    else entry.visibleAt = this.now() + Math.max(0, delayMs);
    this.wake();
  }

  async receiveDeadLetters(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    return this.dead.slice(0, options.maxMessages).map((entry) => this.deliver(entry));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  private take(max: number): ReceivedMessage[] {
    const now = this.now();
    // A key with a message in flight (or waiting out a retry delay) delivers nothing after it.
    const blocked = new Set<string>();
    const taken: ReceivedMessage[] = [];
    for (const entry of [...this.entries]) {
      const key = entry.message.orderingKey;
      if (blocked.has(key)) continue;
      if (entry.visibleAt > now) {
        blocked.add(key);
        continue;
      }
      // Like SQS: a message whose last allowed delivery timed out goes to the dead letters on the next receive.
      if (entry.attempts >= this.maxAttempts) {
        this.moveToDead(entry);
        continue;
      }
      if (taken.length >= max) {
        blocked.add(key);
        continue;
      }
      entry.attempts++;
      entry.visibleAt = now + this.visibilityTimeoutMs;
      taken.push(this.deliver(entry));
    }
    return taken;
  }

  private deliver(entry: Entry): ReceivedMessage {
    entry.lease = this.nextLease++;
    const received: ReceivedMessage = {
      id: entry.id,
      body: entry.message.body,
      realm: entry.message.realm,
      orderingKey: entry.message.orderingKey,
      attempt: entry.attempts,
      ...traceContextOf(entry.message.traceparent, entry.message.tracestate),
    };
    this.delivered.set(received, { entry, lease: entry.lease });
    return received;
  }

  private current(message: ReceivedMessage): Entry | undefined {
    const found = this.delivered.get(message);
    return found !== undefined && found.entry.lease === found.lease ? found.entry : undefined;
  }

  private moveToDead(entry: Entry): void {
    this.entries.splice(this.entries.indexOf(entry), 1);
    this.dead.push(entry);
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.name} is closed.`);
  }
}
