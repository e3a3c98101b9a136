/**
 * Reading a sandbox run's log stream back: CloudWatch Logs GetLogEvents on the task's stream
 * (`<SANDBOX_TASK.streamPrefix>/<SANDBOX_TASK.container>/<task id>`, as the awslogs driver names
 * it), from the head, page by page until the forward token repeats, with a cap on what is read.
 */
import { GetLogEventsCommand, type GetLogEventsCommandOutput } from "@aws-sdk/client-cloudwatch-logs";
import { SANDBOX_TASK } from "@airlock/core/contracts";

/** What the runner needs of a `CloudWatchLogsClient` (`@aws-sdk/client-cloudwatch-logs`): `send`. */
export interface LogsReader {
  send(command: GetLogEventsCommand): Promise<GetLogEventsCommandOutput>;
}

/** The task id: the last segment of its ARN (`arn:…:task/<cluster>/<id>`). */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf("/") + 1);
}

/** The stream the awslogs driver writes the sandbox task's container to. */
export function sandboxLogStream(taskArn: string): string {
  return `${SANDBOX_TASK.streamPrefix}/${SANDBOX_TASK.container}/${taskIdOf(taskArn)}`;
}

/** The stream's lines so far, or `over` when they pass `maxBytes`. */
export type StreamRead = { readonly lines: readonly string[]; readonly bytes: number; readonly over: false } | { readonly over: true; readonly bytes: number };

/**
 * Every event of the stream from its head (an absent stream is empty: the task wrote nothing yet),
 * stopping once `maxBytes` of messages are read. GetLogEvents returns a page of at most 1 MB or
 * 10,000 events and the same `nextForwardToken` again at the stream's end.
 */
export async function readLogStream(logs: LogsReader, logGroupName: string, logStreamName: string, maxBytes: number): Promise<StreamRead> {
  const lines: string[] = [];
  let bytes = 0;
  let token: string | undefined;
  for (;;) {
    let page: GetLogEventsCommandOutput;
    try {
      page = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true, ...(token === undefined ? {} : { nextToken: token }) }));
    } catch (e) {
      if ((e as { name?: string }).name === "ResourceNotFoundException") return { lines, bytes, over: false };
      throw e;
    }
    for (const ev of page.events ?? []) {
      const m = ev.message ?? "";
      bytes += Buffer.byteLength(m);
      if (bytes > maxBytes) return { over: true, bytes };
      // The awslogs driver sends a line without its newline; a line split across events is not ours.
      lines.push(m.endsWith("\n") ? m.slice(0, -1) : m);
    }
    const next = page.nextForwardToken;
    if (next === undefined || next === token || (page.events ?? []).length === 0) return { lines, bytes, over: false };
    token = next;
  }
}
