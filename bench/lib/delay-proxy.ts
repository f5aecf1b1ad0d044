import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy that holds every request `delayMs` before forwarding it. */
export interface DelayProxy {
  /** Base URL to hand to a client as its endpoint, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests forwarded so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that adds a fixed latency to every request to `target` (a
 * local-aws-sqs endpoint): it reads the whole request, waits `delayMs`, then forwards it as is
 * and streams the answer back. Concurrent requests wait side by side, as on a real network, so
 * a client's batching and concurrency show in its total time.
 */
export async function startDelayProxy(options: {
  target: string;
  delayMs: number;
}): Promise<DelayProxy> {
  const target = new URL(options.target);
  // Kept-alive upstream connections, so the added delay is the only latency that grows.
  const agent = new Agent({ keepAlive: true });
  let requests = 0;
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    requests += 1;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
    upstream.end(Buffer.concat(chunks));
  };
  const server = createServer((req, res) => {
    forward(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
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
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
