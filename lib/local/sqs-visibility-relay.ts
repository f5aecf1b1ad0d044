import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Takes a ChangeMessageVisibility call; false when the message is not one it holds. */
export type VisibilityListener = (receiptHandle: string, visibilitySeconds: number) => boolean;

const changeVisibilityTarget = 'AmazonSQS.ChangeMessageVisibility';

/**
 * An SQS endpoint for the local trade function that forwards every call to local-aws-sqs but
 * answers ChangeMessageVisibility for the messages the local event source holds. The event
 * source keeps SQS's delivery rules itself (local-aws-sqs hands out a FIFO group's next message
 * while one is in flight, and counts a visibility change as a receive, which would redrive a
 * retried message early), so the handler's call has to reach it: it is the same call the
 * deployed handler makes to SQS, and the retry comes when it asks, as in AWS.
 */
export class SqsVisibilityRelay {
  private listener: VisibilityListener = () => false;

  private constructor(
    private readonly server: Server,
    /** Base URL to hand to the function's SQS client as its endpoint. */
    readonly endpoint: string,
  ) {}

  /** Starts relaying to the SQS endpoint `upstream` on a free loopback port. */
  static async start(upstream: string): Promise<SqsVisibilityRelay> {
    const target = new URL(upstream);
    let relay: SqsVisibilityRelay | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.headers['x-amz-target'] === changeVisibilityTarget && relay?.take(body)) {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end('{}');
          return;
        }
        const forwarded = request(
          {
            hostname: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: { ...req.headers, host: target.host },
          },
          (upstreamRes) => {
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
          },
        );
        forwarded.on('error', (error) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(error.message);
        });
        forwarded.end(body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    relay = new SqsVisibilityRelay(server, `http://127.0.0.1:${port}`);
    return relay;
  }

  /**
   * `queueUrl` on the relay's host. The SDK sends a call to its QueueUrl's host, not to the
   * configured endpoint, so the function must name its queues this way; local-aws-sqs finds a
   * queue by the URL's path.
   */
  urlOf(queueUrl: string): string {
    const { pathname } = new URL(queueUrl);
    return `${this.endpoint}${pathname}`;
  }

  /** Hands the ChangeMessageVisibility calls to `listener` from now on. */
  onChangeVisibility(listener: VisibilityListener): void {
    this.listener = listener;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private take(body: Buffer): boolean {
    try {
      const call = JSON.parse(body.toString('utf8')) as {
        ReceiptHandle?: unknown;
        VisibilityTimeout?: unknown;
      };
      if (typeof call.ReceiptHandle !== 'string') return false;
      const seconds = Number(call.VisibilityTimeout);
      if (!Number.isFinite(seconds)) return false;
      return this.listener(call.ReceiptHandle, seconds);
    } catch {
      return false;
    }
  }
}
