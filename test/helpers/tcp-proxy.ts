// A TCP proxy a test can freeze: connections stay open but no byte passes (a stalled server).
import net from "node:net";

export interface TcpProxy {
  port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
  /** Bytes held while frozen, per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function createTcpProxy(targetPort: number): Promise<TcpProxy> {
  let frozen = false;
  const links = new Set<Link>();

  const flush = (link: Link) => {
    if (frozen || !link.upstream) return;
    for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
  };
  const connect = (link: Link) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    link.upstream = upstream;
    upstream.on("data", (chunk: Buffer) => {
      link.toClient.push(chunk);
      flush(link);
    });
    upstream.on("error", () => link.client.destroy());
    upstream.on("close", () => link.client.destroy());
    flush(link);
  };

  const server = net.createServer((client) => {
    const link: Link = { client, upstream: null, toUpstream: [], toClient: [] };
    links.add(link);
    client.on("data", (chunk: Buffer) => {
      link.toUpstream.push(chunk);
      flush(link);
    });
    client.on("error", () => {});
    client.on("close", () => {
      link.upstream?.destroy();
      links.delete(link);
    });
    // A new connection while frozen is accepted but reaches nothing until thawed.
    if (!frozen) connect(link);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const link of links) {
        if (!link.upstream) connect(link);
        else flush(link);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) {
          link.client.destroy();
          link.upstream?.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
