/**
 * Certificate events as a consumer receives them, on moto_server: an
 * EventBridge bus with a rule that sends every `iot-certificates` event to an
 * SQS queue. Point the local server at it with `EVENT_BUS_NAME: queue.busName`
 * and read what arrived with `drain`.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { MotoServer } from "./moto-server.js";

export interface EventQueue {
  busName: string;
  /**
   * Every distinct event the queue holds now, once `expectedCount` have
   * arrived or 20 s have passed (and removes them). PutEvents is
   * at-least-once: when an attempt times out on a loaded machine after
   * EventBridge accepted it, the SDK's retry delivers the same event again
   * (same detail-type and detail, a new EventBridge id). Consumers tell them
   * apart by detail, and so does this count; an event of its own too many
   * is returned too.
   */
  drain(expectedCount: number): Promise<any[]>;
  destroy(): void;
}

export async function createEventQueue(moto: MotoServer, busName: string): Promise<EventQueue> {
  const client = {
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  const eventBridge = new EventBridgeClient(client);
  const sqs = new SQSClient(client);
  await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${busName}-events` }))).QueueUrl as string;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] })))
    .Attributes?.QueueArn as string;
  await eventBridge.send(
    new PutRuleCommand({
      Name: "all-certificate-events",
      EventBusName: busName,
      EventPattern: JSON.stringify({ source: ["iot-certificates"] }),
    }),
  );
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: "all-certificate-events",
      EventBusName: busName,
      Targets: [{ Id: "queue", Arn: queueArn }],
    }),
  );
  eventBridge.destroy();

  const drain = async (expectedCount: number): Promise<any[]> => {
    const events: any[] = [];
    const seen = new Set<string>();
    const distinct = (message: { Body?: string | undefined }) => {
      const event = JSON.parse(message.Body ?? "{}");
      const key = JSON.stringify([event["detail-type"], event.detail, event.resources]);
      if (!seen.has(key)) {
        seen.add(key);
        events.push(event);
      }
    };
    const receive = async () => {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const messages = received.Messages ?? [];
      for (const message of messages) distinct(message);
      if (messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      }
    };
    const deadline = Date.now() + 20_000;
    while (events.length < expectedCount && Date.now() < deadline) await receive();
    // Anything more would be an event too many.
    await receive();
    return events;
  };
  return { busName, drain, destroy: () => sqs.destroy() };
}
