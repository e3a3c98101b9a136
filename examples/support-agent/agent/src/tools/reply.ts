/**
 * `send_customer_reply`: one email to the ticket's customer through SES API v2
 * (`@aws-sdk/client-sesv2` SendEmail), from the support address and with the replies'
 * configuration set, both from the manifest's environment (the task role may send only from the
 * `acme.example.com` identity with the `support-replies` configuration set). The arguments it runs
 * are the ones a person approved (the runtime hands them over); it sends exactly those.
 */
import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";

export interface ReplySettings {
  readonly from: string;
  readonly configurationSet: string;
}

export interface SentReply {
  readonly message_id: string;
  readonly ticket_id: string;
  readonly to: string;
}

export function replyTool(client: Pick<SESv2Client, "send">, settings: ReplySettings) {
  return async function send_customer_reply(args: Readonly<Record<string, unknown>>): Promise<SentReply> {
    const to = String(args.to);
    const out = await client.send(
      new SendEmailCommand({
        FromEmailAddress: settings.from,
        Destination: { ToAddresses: [to] },
        ConfigurationSetName: settings.configurationSet,
        Content: {
          Simple: {
            Subject: { Data: String(args.subject), Charset: "UTF-8" },
            Body: { Text: { Data: String(args.body), Charset: "UTF-8" } },
          },
        },
      }),
    );
    if (out.MessageId === undefined) throw new Error("SES accepted the email but returned no MessageId");
    return { message_id: out.MessageId, ticket_id: String(args.ticket_id), to };
  };
}
