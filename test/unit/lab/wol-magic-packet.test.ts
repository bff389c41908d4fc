import fc from "fast-check";
import { macOfMagicPacket } from "../../../backend/lab/wol/receiver";
import { magicPacket } from "../../../backend/power/wol";

test("the receiver reads the MAC our driver's packet wakes, for any MAC", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
      const mac = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
      expect(macOfMagicPacket(magicPacket(mac))).toBe(mac);
    }),
  );
});

test("a magic packet after a header (as in an Ethernet frame payload) is found", () => {
  const p = Buffer.concat([Buffer.from([1, 2, 3]), magicPacket("52:54:00:aa:bb:cc")]);
  expect(macOfMagicPacket(p)).toBe("52:54:00:aa:bb:cc");
});

test("not a magic packet: too short, broken sync stream, or a repetition that differs", () => {
  const good = magicPacket("52:54:00:aa:bb:cc");
  expect(macOfMagicPacket(good.subarray(0, 101))).toBeUndefined();
  const noSync = Buffer.from(good);
  noSync[2] = 0;
  expect(macOfMagicPacket(noSync)).toBeUndefined();
  const bad = Buffer.from(good);
  bad[6 + 15 * 6 + 3] = 0x55;
  expect(macOfMagicPacket(bad)).toBeUndefined();
  expect(macOfMagicPacket(Buffer.alloc(200))).toBeUndefined();
});
