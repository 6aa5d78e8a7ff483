import type { PubSub } from "@google-cloud/pubsub";

export interface PubSubTopology {
  readonly topic: string;
  readonly subscription: string;
  readonly deadLetterTopic: string;
  readonly deadLetterSubscription: string;
}

export interface PubSubTopologySettings {
  /** Topic id (≥ 3 characters); the dead-letter topic becomes `<topic>-dead-letter`. */
  readonly topic: string;
  readonly subscription: string;
  /** Deliveries before dead-lettering; Pub/Sub allows 5 to 100. */
  readonly maxDeliveryAttempts: number;
  readonly ackDeadlineSeconds?: number;
}

/**
 * Creates the topic, an ordered subscription with a dead-letter policy, the dead-letter topic and a
 * subscription on it (without one, dead letters are lost). For tests and scripts; in production
 * grant the Pub/Sub service agent publish on the dead-letter topic and subscribe on the source.
 */
export async function ensurePubSubTopology(pubsub: PubSub, settings: PubSubTopologySettings): Promise<PubSubTopology> {
  const topology: PubSubTopology = {
    topic: settings.topic,
    subscription: settings.subscription,
    deadLetterTopic: `${settings.topic}-dead-letter`,
    deadLetterSubscription: `${settings.subscription}-dead-letter`,
  };
  const [deadTopic] = await pubsub.topic(topology.deadLetterTopic).get({ autoCreate: true });
  await deadTopic.subscription(topology.deadLetterSubscription).get({ autoCreate: true });
  const [topic] = await pubsub.topic(topology.topic).get({ autoCreate: true });
  const subscription = topic.subscription(topology.subscription);
  const [exists] = await subscription.exists();
  if (!exists) {
    await subscription.create({
      enableMessageOrdering: true,
      ackDeadlineSeconds: settings.ackDeadlineSeconds ?? 60,
      deadLetterPolicy: { deadLetterTopic: deadTopic.name, maxDeliveryAttempts: settings.maxDeliveryAttempts },
    });
  }
  return topology;
}
