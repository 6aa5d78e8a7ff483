import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import rhea, { type Delivery, type EventContext, type Message, type Receiver, type Sender } from "rhea";

/** rhea keeps each end's attach frame on the link at run time but leaves it out of its typings. */
interface AttachFrames {
  readonly remote: { readonly attach?: { readonly source?: unknown; readonly target?: unknown } };
  readonly local: { attach: { properties?: Record<string, unknown> } };
}
const ends = (link: Sender | Receiver): AttachFrames => link as unknown as AttachFrames;

/**
 * The smallest AMQP 1.0 peer that @azure/service-bus talks to as if it were a namespace: SASL
 * ANONYMOUS/PLAIN, the `$cbs` put-token claim, sender and receiver links on queues, sessions
 * (the `com.microsoft:session-filter` on the receiver source), settlement (accepted = complete,
 * modified = abandon, released, rejected = dead-letter), delivery counts, duplicate detection by
 * message id and the `<queue>/$deadletterqueue` sub-queue. No TLS, no management operations, no
 * lock expiry: tests settle or close what they receive.
 */
export interface PeerQueueSettings {
  readonly requiresSession: boolean;
  readonly maxDeliveryCount: number;
  readonly requiresDuplicateDetection: boolean;
}

interface StoredMessage {
  readonly sequenceNumber: number;
  readonly message: Message;
  readonly enqueuedAt: number;
  deliveryCount: number;
}

interface QueueState {
  readonly settings: PeerQueueSettings;
  readonly active: StoredMessage[];
  readonly dead: StoredMessage[];
  readonly seenIds: Set<string>;
  /** Session id → the link holding its lock. */
  readonly sessionLocks: Map<string, Sender>;
}

interface Consumer {
  readonly queue: QueueState;
  readonly deadLetters: boolean;
  readonly sessionId?: string;
}

interface InFlight {
  readonly queue: QueueState;
  readonly stored: StoredMessage;
  readonly fromDeadLetters: boolean;
  readonly link: Sender;
}

const sessionFilter = "com.microsoft:session-filter";
const deadLetterSuffix = "/$deadletterqueue";
/** .NET ticks at the Unix epoch: Service Bus sends lock expiry as ticks. */
const epochTicks = 621355968000000000n;

export interface ServiceBusPeer {
  readonly port: number;
  readonly connectionString: string;
  createQueue(name: string, settings?: Partial<PeerQueueSettings>): void;
  /** Messages waiting (not in flight) and dead-lettered, for assertions. */
  counts(name: string): { active: number; dead: number };
  /** The stored AMQP messages of a queue, as another client would receive them. */
  messages(name: string): readonly Message[];
  stop(): Promise<void>;
}

export async function startServiceBusPeer(): Promise<ServiceBusPeer> {
  const container = rhea.create_container({ id: "edd-service-bus-peer" });
  container.sasl_server_mechanisms.enable_anonymous();
  container.sasl_server_mechanisms.enable_plain(() => true);
  const queues = new Map<string, QueueState>();
  const consumers = new Map<Sender, Consumer>();
  const inFlight = new Map<Delivery, InFlight>();
  let sequence = 0;

  const queueNamed = (address: string): QueueState | undefined => queues.get(address.toLowerCase());
  const isHeld = (stored: StoredMessage) => [...inFlight.values()].some((f) => f.stored === stored);

  function pump(): void {
    for (const [link, consumer] of consumers) {
      const list = consumer.deadLetters ? consumer.queue.dead : consumer.queue.active;
      for (const stored of list) {
        if (!link.sendable()) break;
        if (isHeld(stored)) continue;
        if (consumer.sessionId !== undefined && stored.message.group_id !== consumer.sessionId) continue;
        if (!consumer.deadLetters) stored.deliveryCount++;
        const lockToken = Buffer.from(randomUUID().replace(/-/g, ""), "hex");
        const delivery = link.send(
          {
            ...stored.message,
            delivery_count: stored.deliveryCount,
            message_annotations: {
              ...stored.message.message_annotations,
              "x-opt-sequence-number": stored.sequenceNumber,
              "x-opt-enqueued-time": new Date(stored.enqueuedAt),
              "x-opt-locked-until": new Date(Date.now() + 60_000),
            },
          },
          lockToken,
        );
        inFlight.set(delivery, { queue: consumer.queue, stored, fromDeadLetters: consumer.deadLetters, link });
      }
    }
  }

  function settle(context: EventContext, outcome: "complete" | "abandon" | "release" | "dead-letter"): void {
    const delivery = context.delivery;
    if (delivery === undefined) return;
    const flight = inFlight.get(delivery);
    if (flight === undefined) return;
    delivery.update(true);
    inFlight.delete(delivery);
    const { queue, stored } = flight;
    const list = flight.fromDeadLetters ? queue.dead : queue.active;
    if (outcome === "release" && !flight.fromDeadLetters) stored.deliveryCount--;
    const exhausted = outcome === "abandon" && stored.deliveryCount >= queue.settings.maxDeliveryCount;
    if (outcome === "complete" || (!flight.fromDeadLetters && (outcome === "dead-letter" || exhausted))) {
      list.splice(list.indexOf(stored), 1);
    }
    if (!flight.fromDeadLetters && (outcome === "dead-letter" || exhausted)) {
      const reason = exhausted ? "MaxDeliveryCountExceeded" : "Rejected";
      queue.dead.push({
        ...stored,
        message: { ...stored.message, application_properties: { ...stored.message.application_properties, DeadLetterReason: reason } },
      });
    }
    pump();
  }

  function releaseLink(link: Sender): void {
    const consumer = consumers.get(link);
    consumers.delete(link);
    if (consumer?.sessionId !== undefined) consumer.queue.sessionLocks.delete(consumer.sessionId);
    // Whatever the closed link held goes back; the delivery already counted.
    for (const [delivery, flight] of inFlight) if (flight.link === link) inFlight.delete(delivery);
    pump();
  }

  container.on("sender_open", (context: EventContext) => {
    const link = context.sender as Sender;
    const source = ends(link).remote.attach?.source as { address?: string; filter?: Record<string, unknown> } | undefined;
    const address = source?.address ?? "";
    if (address === "$cbs") return;
    const deadLetters = address.toLowerCase().endsWith(deadLetterSuffix);
    const queue = queueNamed(deadLetters ? address.slice(0, -deadLetterSuffix.length) : address);
    if (queue === undefined) {
      link.close({ condition: "amqp:not-found", description: `The messaging entity '${address}' could not be found.` });
      return;
    }
    if (deadLetters || !queue.settings.requiresSession) {
      consumers.set(link, { queue, deadLetters });
      return;
    }
    const wanted = source?.filter?.[sessionFilter];
    const sessionId =
      typeof wanted === "string"
        ? wanted
        : queue.active
            .map((m) => m.message.group_id)
            .find(
              (id) =>
                typeof id === "string" &&
                !queue.sessionLocks.has(id) &&
                ![...inFlight.values()].some((f) => f.stored.message.group_id === id),
            );
    if (typeof sessionId !== "string" || queue.sessionLocks.has(sessionId)) {
      // Answer without a session: the SDK reports "no unlocked sessions available" and closes the link.
      link.set_source({ address });
      return;
    }
    queue.sessionLocks.set(sessionId, link);
    link.set_source({ address, filter: { [sessionFilter]: sessionId } });
    const ticks = BigInt(Date.now() + 60_000) * 10_000n + epochTicks;
    const lockedUntil = Buffer.alloc(8);
    lockedUntil.writeBigInt64BE(ticks);
    ends(link).local.attach.properties = { "com.microsoft:locked-until-utc": lockedUntil };
    consumers.set(link, { queue, deadLetters: false, sessionId });
  });

  container.on("sendable", () => pump());
  container.on("sender_draining", (context: EventContext) => {
    pump();
    context.sender?.set_drained(true);
  });
  container.on("sender_close", (context: EventContext) => releaseLink(context.sender as Sender));
  container.on("disconnected", () => {
    for (const link of [...consumers.keys()]) if (!link.is_open()) releaseLink(link);
  });
  container.on("accepted", (context: EventContext) => settle(context, "complete"));
  container.on("rejected", (context: EventContext) => settle(context, "dead-letter"));
  container.on("modified", (context: EventContext) => settle(context, "abandon"));
  // rhea raises "released" for a modified outcome too, before "modified": decide after both ran.
  container.on("released", (context: EventContext) => queueMicrotask(() => settle(context, "release")));

  container.on("message", (context: EventContext) => {
    const receiver = context.receiver;
    const message = context.message as Message;
    const address =
      ((receiver === undefined ? undefined : ends(receiver).remote.attach?.target) as { address?: string } | undefined)?.address ?? "";
    if (address === "$cbs") {
      answerClaim(context, message);
      return;
    }
    const queue = queueNamed(address);
    if (queue === undefined) return;
    const id = message.message_id === undefined ? undefined : String(message.message_id);
    if (queue.settings.requiresDuplicateDetection && id !== undefined) {
      if (queue.seenIds.has(id)) return;
      queue.seenIds.add(id);
    }
    if (queue.settings.requiresSession && typeof message.group_id !== "string") {
      context.delivery?.reject({ condition: "com.microsoft:session-required", description: "The queue requires a session id." });
      return;
    }
    queue.active.push({ sequenceNumber: ++sequence, message, enqueuedAt: Date.now(), deliveryCount: 0 });
    pump();
  });

  /** The claims-based-security handshake: every put-token is accepted with 202. */
  function answerClaim(context: EventContext, request: Message): void {
    const replyLink = context.connection.find_sender(
      (s: Sender) => (ends(s).remote.attach?.source as { address?: string } | undefined)?.address === "$cbs",
    );
    replyLink?.send({
      to: request.reply_to,
      correlation_id: request.message_id,
      application_properties: { "status-code": 202, "status-description": "Accepted" },
      body: undefined,
    });
  }

  const server = container.listen({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connectionString: `Endpoint=sb://127.0.0.1:${port}/;SharedAccessKeyName=k;SharedAccessKey=x;UseDevelopmentEmulator=true`,
    createQueue(name, settings = {}) {
      queues.set(name.toLowerCase(), {
        settings: { requiresSession: true, maxDeliveryCount: 10, requiresDuplicateDetection: true, ...settings },
        active: [],
        dead: [],
        seenIds: new Set(),
        sessionLocks: new Map(),
      });
    },
    counts(name) {
      const queue = queues.get(name.toLowerCase());
      return { active: queue?.active.length ?? 0, dead: queue?.dead.length ?? 0 };
    },
    messages(name) {
      return (queues.get(name.toLowerCase())?.active ?? []).map((stored) => stored.message);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const link of consumers.keys()) link.connection.close();
      }),
  };
}
