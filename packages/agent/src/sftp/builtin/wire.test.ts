import { encode, FieldReader, MAX_PACKET_BYTES, PacketFramer, SftpWireError } from './wire';

const packetOf = (body: Buffer): Buffer => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
};

describe('PacketFramer', () => {
  test('frames packets split anywhere and joined in one chunk', () => {
    const a = packetOf(Buffer.from([1, 0, 0, 0, 3]));
    const b = packetOf(Buffer.alloc(70_000, 9));
    const stream = Buffer.concat([a, b, a]);
    for (const cut of [1, 3, 4, 5, 9, 100, 69_999, stream.length - 1]) {
      const framer = new PacketFramer();
      const got = [...framer.push(stream.subarray(0, cut)), ...framer.push(stream.subarray(cut))];
      expect(got.map((p) => p.length)).toEqual([5, 70_000, 5]);
    }
  });

  test('refuses a length past the limit, and a zero length, before buffering anything', () => {
    const big = Buffer.alloc(4);
    big.writeUInt32BE(MAX_PACKET_BYTES + 1);
    expect(() => new PacketFramer().push(big)).toThrow(SftpWireError);
    expect(() => new PacketFramer().push(Buffer.alloc(4))).toThrow(SftpWireError);
  });
});

describe('FieldReader', () => {
  test('a string longer than its packet is a wire error, not a read past the end', () => {
    const r = new FieldReader(Buffer.from([0, 0, 0, 9, 1, 2]));
    expect(() => r.bytes()).toThrow(SftpWireError);
  });

  test('uint64 past 2^53 reads as NaN', () => {
    const r = new FieldReader(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 1]));
    expect(r.uint64()).toBeNaN();
  });

  test('attrs round-trip through the encoder', () => {
    const attrs = { size: 2 ** 40, uid: 1, gid: 2, mode: 0o100644, atime: 3, mtime: 4 };
    const packet = Buffer.concat(encode.attrs(7, attrs));
    const r = new FieldReader(packet.subarray(4));
    expect([r.byte(), r.uint32()]).toEqual([105, 7]);
    expect(r.attrs()).toEqual(attrs);
    expect(r.remaining).toBe(0);
  });

  test('VERSION carries the extensions as name/data pairs', () => {
    const packet = Buffer.concat(encode.version([['posix-rename@openssh.com', '1']]));
    const r = new FieldReader(packet.subarray(4));
    expect([r.byte(), r.uint32(), r.string(), r.string()]).toEqual([2, 3, 'posix-rename@openssh.com', '1']);
  });
});
