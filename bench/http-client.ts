/**
 * A minimal HTTP/1.1 keep-alive client for the benchmarks: one socket, one request at
 * a time, written in one syscall, the answer parsed by Content-Length. fetch() costs
 * several times more CPU per request, and the load generator shares the two cores with
 * the system under test; this keeps its share small. Only for our own API's answers
 * (always Content-Length, never chunked).
 */
import net from 'node:net';

export interface HttpAnswer {
  status: number;
  body: string;
}

export class BenchConnection {
  private socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (a: HttpAnswer) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket = this.connect();
  }

  private connect(): net.Socket {
    const s = net.connect({ host: this.host, port: this.port, noDelay: true });
    s.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse();
    });
    const fail = (e: Error) => {
      const w = this.waiting;
      this.waiting = null;
      this.buffer = Buffer.alloc(0);
      w?.reject(e);
    };
    s.on('error', fail);
    s.on('close', () => fail(new Error('connection closed')));
    return s;
  }

  private parse(): void {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < end + 4 + length) return;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    const w = this.waiting;
    this.waiting = null;
    w.resolve({ status: Number(head.slice(9, 12)), body });
  }

  request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    if (this.socket.destroyed) this.socket = this.connect();
    let text = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
    if (body !== undefined) text += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    else text += '\r\n';
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(text);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One connection per concurrent loop, handed out by loop index. */
export class BenchClient {
  private readonly connections: BenchConnection[];

  constructor(url: string, size: number) {
    const u = new URL(url);
    this.connections = Array.from({ length: size }, () => new BenchConnection(u.hostname, Number(u.port)));
  }

  /** The connection of loop `i` (runLoad's worker index). */
  conn(i: number): BenchConnection {
    return this.connections[i % this.connections.length]!;
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}
