/**
 * What a schedule asks a Lambda function to do. An EventBridge rule or EventBridge Scheduler
 * schedule sets its target's input to `{"edd": "sweep"}` or `{"edd": "project"}`; a rule without an
 * input sends the plain "Scheduled Event", which means a sweep.
 */
export type ScheduledTask = "sweep" | "project";

export function scheduledTask(event: unknown): ScheduledTask | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const fields = event as Record<string, unknown>;
  if (fields.edd === "sweep" || fields.edd === "project") return fields.edd;
  if (fields.source === "aws.events" && fields["detail-type"] === "Scheduled Event") {
    const detail = fields.detail as Record<string, unknown> | undefined;
    return detail?.edd === "project" ? "project" : "sweep";
  }
  return undefined;
}

/** The part of the Lambda context edd reads: how long the invocation may still run. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}
