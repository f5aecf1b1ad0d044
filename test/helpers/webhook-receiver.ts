import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** What the receiver answers a request with; `hang` never answers. */
export type ReceiverAnswer = number | 'hang';

/**
 * A real HTTP server on loopback that records every POST it gets, as a webhook service would
 * see it. `answer` picks each request's reply (default 200); a waiter resolves once `count`
 * posts have arrived.
 */
export async function startWebhookReceiver(
  answer: (post: ReceivedPost, index: number) => ReceiverAnswer = () => 200,
) {
  const posts: ReceivedPost[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      const post = { path: req.url ?? '', contentType: req.headers['content-type'], body };
      const index = posts.push(post) - 1;
      for (const w of waiters.filter((w) => posts.length >= w.count)) w.resolve();
      const reply = answer(post, index);
      if (reply === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(reply, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    /** Resolves once at least `count` posts have arrived. */
    received(count: number): Promise<void> {
      if (posts.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close(): Promise<void> {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
