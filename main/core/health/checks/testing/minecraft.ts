/**
 * A Minecraft Java server's Server List Ping, for the game check tests: handshake, status request
 * → status JSON, ping → pong, each packet framed by a VarInt length. Only tests import this module.
 * https://minecraft.wiki/w/Java_Edition_protocol/Server_List_Ping
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface MinecraftStatus {
  version: { name: string; protocol: number };
  players: { max: number; online: number; sample?: { name: string; id: string }[] };
  description: string | { text: string; extra?: { text: string }[] };
}

export interface Handshake {
  protocol: number;
  address: string;
  port: number;
  nextState: number;
}

function varInt(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest ? low | 0x80 : low);
  } while (rest);
  return Buffer.from(bytes);
}

/** The VarInt at `offset` and the offset after it, or null when the buffer ends inside it. */
function readVarInt(buffer: Buffer, offset: number): [value: number, next: number] | null {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = buffer[offset + i];
    if (byte === undefined) return null;
    value |= (byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) return [value, offset + i + 1];
  }
  throw new Error('VarInt longer than 5 bytes');
}

function packet(id: number, body: Buffer): Buffer {
  const payload = Buffer.concat([varInt(id), body]);
  return Buffer.concat([varInt(payload.length), payload]);
}

function parseHandshake(body: Buffer): Handshake {
  const [protocol, afterProtocol] = readVarInt(body, 0) ?? [0, 0];
  const [length, afterLength] = readVarInt(body, afterProtocol) ?? [0, afterProtocol];
  const address = body.toString('utf8', afterLength, afterLength + length);
  const port = body.readUInt16BE(afterLength + length);
  const [nextState] = readVarInt(body, afterLength + length + 2) ?? [0];
  return { protocol, address, port, nextState };
}

/** A server that answers the Server List Ping with `status`, noting every handshake it gets. */
export class MinecraftResponder {
  readonly handshakes: Handshake[] = [];
  readonly server: Server;

  constructor(public status: MinecraftStatus) {
    this.server = createServer((socket) => this.serve(socket));
  }

  private serve(socket: Socket): void {
    let pending = Buffer.alloc(0);
    let handshaken = false;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const length = readVarInt(pending, 0);
        if (!length || pending.length < length[1] + length[0]) return;
        const frame = pending.subarray(length[1], length[1] + length[0]);
        pending = pending.subarray(length[1] + length[0]);
        const id = readVarInt(frame, 0);
        if (!id) return void socket.destroy();
        const body = frame.subarray(id[1]);
        if (!handshaken) {
          if (id[0] !== 0x00) return void socket.destroy();
          const handshake = parseHandshake(body);
          this.handshakes.push(handshake);
          if (handshake.nextState !== 1) return void socket.destroy();
          handshaken = true;
        } else if (id[0] === 0x00) {
          const json = Buffer.from(JSON.stringify(this.status), 'utf8');
          socket.write(packet(0x00, Buffer.concat([varInt(json.length), json])));
        } else if (id[0] === 0x01) {
          socket.end(packet(0x01, body));
        } else {
          return void socket.destroy();
        }
      }
    });
  }
}
