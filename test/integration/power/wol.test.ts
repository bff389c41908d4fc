/** Wake-on-LAN magic packet, sent to 127.0.0.1 only and received by a dgram socket. */

import { createSocket } from "node:dgram";
import { createPowerDriver } from "../../../backend/power/registry";

test("power on sends one 102-byte magic packet to the configured address and port", async () => {
  const rx = createSocket("udp4");
  await new Promise<void>((r) => rx.bind(0, "127.0.0.1", () => r()));
  const got = new Promise<Buffer>((resolve) => rx.once("message", (m) => resolve(m)));
  try {
    const d = createPowerDriver("wol", {
      mac: "52:54:00:ab:cd:ef",
      broadcast: "127.0.0.1",
      port: rx.address().port,
    });
    await d.on();
    const m = await got;
    expect(m.length).toBe(102);
    expect(m.subarray(0, 6).toString("hex")).toBe("ffffffffffff");
    expect(m.subarray(96).toString("hex")).toBe("525400abcdef");
    expect(await d.status()).toBe("unknown");
    await expect(d.off()).rejects.toMatchObject({ code: "POWER_UNSUPPORTED", retryable: false });
  } finally {
    rx.close();
  }
});
