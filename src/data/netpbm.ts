/**
 * A small reader for Netpbm images (PGM `P2`/`P5`, PPM `P3`/`P6`), which sharp's prebuilt libvips
 * does not decode. The pixels are handed to sharp as raw input, so the rest of the pipeline
 * (crop, resize, gray→RGB) is the same as for JPEG or PNG. 16-bit samples are scaled to 8 bits.
 */

/** Raw 8-bit pixels with 1 (gray) or 3 (RGB) channels, row-major. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Whether `bytes` start with a Netpbm gray or colour magic number (`P2`, `P3`, `P5`, `P6`). */
export function isNetpbm(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 && [0x32, 0x33, 0x35, 0x36].includes(bytes[1]);
}

/**
 * Decodes a PGM or PPM file.
 * @throws Error for a malformed header or truncated pixel data (the caller skips the file).
 */
export function decodeNetpbm(bytes: Uint8Array): RawImage {
  const kind = String.fromCharCode(bytes[1]);
  const ascii = kind === '2' || kind === '3';
  const channels: 1 | 3 = kind === '2' || kind === '5' ? 1 : 3;
  let pos = 2;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]))) pos++;
      if (bytes[pos] !== 0x23) break; // '#': comment to end of line
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    }
    const start = pos;
    while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos]))) pos++;
    return Buffer.from(bytes.subarray(start, pos)).toString('ascii');
  };
  const [width, height, maxval] = [token(), token(), token()].map(Number);
  if (![width, height, maxval].every((v) => Number.isInteger(v) && v > 0) || maxval > 65535) {
    throw new Error(`malformed Netpbm header (width ${width}, height ${height}, maxval ${maxval})`);
  }
  const count = width * height * channels;
  const data = Buffer.alloc(count);
  const scale = 255 / maxval;
  if (ascii) {
    for (let i = 0; i < count; i++) {
      const v = Number(token());
      if (!Number.isFinite(v) || pos > bytes.length) throw new Error('truncated Netpbm pixel data');
      data[i] = Math.round(Math.min(v, maxval) * scale);
    }
    return { data, width, height, channels };
  }
  pos++; // the single whitespace byte after maxval
  const wide = maxval > 255 ? 2 : 1;
  if (bytes.length - pos < count * wide) throw new Error('truncated Netpbm pixel data');
  for (let i = 0; i < count; i++) {
    const v = wide === 2 ? (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1] : bytes[pos + i];
    data[i] = Math.round(Math.min(v, maxval) * scale);
  }
  return { data, width, height, channels };
}
