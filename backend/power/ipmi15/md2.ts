/**
 * MD2 (RFC 1319), for IPMI v1.5 MD2 authentication (spec 13.7). Node's OpenSSL no longer
 * ships MD2, and the algorithm is small. Only used for 16-byte-padded IPMI auth inputs, so
 * speed does not matter.
 */

// RFC 1319 section 3.2: the permutation S "constructed from the digits of pi".
const PI_SUBST = Uint8Array.from([
  41, 46, 67, 201, 162, 216, 124, 1, 61, 54, 84, 161, 236, 240, 6, 19, 98, 167, 5, 243, 192, 199, 115, 140,
  152, 147, 43, 217, 188, 76, 130, 202, 30, 155, 87, 60, 253, 212, 224, 22, 103, 66, 111, 24, 138, 23, 229,
  18, 190, 78, 196, 214, 218, 158, 222, 73, 160, 251, 245, 142, 187, 47, 238, 122, 169, 104, 121, 145, 21,
  178, 7, 63, 148, 194, 16, 137, 11, 34, 95, 33, 128, 127, 93, 154, 90, 144, 50, 39, 53, 62, 204, 231, 191,
  247, 151, 3, 255, 25, 48, 179, 72, 165, 181, 209, 215, 94, 146, 42, 172, 86, 170, 198, 79, 184, 56, 210,
  150, 164, 125, 182, 118, 252, 107, 226, 156, 116, 4, 241, 69, 157, 112, 89, 100, 113, 135, 32, 134, 91, 207,
  101, 230, 45, 168, 2, 27, 96, 37, 173, 174, 176, 185, 246, 28, 70, 97, 105, 52, 64, 126, 15, 85, 71, 163,
  35, 221, 81, 175, 58, 195, 92, 249, 206, 186, 197, 234, 38, 44, 83, 13, 110, 133, 40, 132, 9, 211, 223, 205,
  244, 65, 129, 77, 82, 106, 220, 55, 200, 108, 193, 171, 250, 36, 225, 123, 8, 12, 189, 177, 74, 120, 136,
  149, 139, 227, 99, 232, 109, 233, 203, 213, 254, 59, 0, 29, 57, 242, 239, 183, 14, 102, 88, 208, 228, 166,
  119, 114, 248, 235, 117, 75, 10, 49, 68, 80, 180, 143, 237, 31, 26, 219, 153, 141, 51, 159, 17, 131, 20,
]);

export function md2(input: Uint8Array): Buffer {
  // Step 1: pad to a multiple of 16 with `n` bytes of value `n` (always at least one byte).
  const pad = 16 - (input.length % 16);
  const msg = new Uint8Array(input.length + pad + 16);
  msg.set(input, 0);
  msg.fill(pad, input.length, input.length + pad);
  const blocks = (input.length + pad) / 16;

  // Step 2: append the 16-byte checksum.
  const checksum = new Uint8Array(16);
  let l = 0;
  for (let i = 0; i < blocks; i++) {
    for (let j = 0; j < 16; j++) {
      checksum[j]! ^= PI_SUBST[msg[i * 16 + j]! ^ l]!;
      l = checksum[j]!;
    }
  }
  msg.set(checksum, blocks * 16);

  // Steps 3–4: 48-byte state, 18 rounds per block.
  const x = new Uint8Array(48);
  for (let i = 0; i < blocks + 1; i++) {
    for (let j = 0; j < 16; j++) {
      x[16 + j] = msg[i * 16 + j]!;
      x[32 + j] = x[16 + j]! ^ x[j]!;
    }
    let t = 0;
    for (let j = 0; j < 18; j++) {
      for (let k = 0; k < 48; k++) {
        x[k]! ^= PI_SUBST[t]!;
        t = x[k]!;
      }
      t = (t + j) & 0xff;
    }
  }
  return Buffer.from(x.subarray(0, 16));
}
