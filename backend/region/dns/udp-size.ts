/**
 * Fitting a response into one UDP datagram. Pure.
 *
 * Without EDNS a UDP message carries at most 512 bytes (RFC 1035 §4.2.1); with EDNS the
 * requestor states its reassembly size, which we honour up to our own ceiling and never below
 * 512 (RFC 6891 §6.2.5). A response that does not fit goes out with TC set and with its
 * answer, authority and additional records left out (RFC 2181 §9: never a partial RRset), so
 * the client retries over TCP (RFC 7766 §5). The OPT record stays, so EDNS is still signalled.
 */
import { encode, type Packet } from "dns-packet";
import { FLAG_TC } from "./resolve";

export const CLASSIC_UDP_LIMIT = 512;

/** The largest UDP response this query allows, given our own ceiling. */
export function udpLimit(query: Packet | undefined, ceiling: number): number {
  const opt = query?.additionals?.find((rr) => rr.type === "OPT");
  if (opt?.type !== "OPT") return CLASSIC_UDP_LIMIT;
  return Math.max(CLASSIC_UDP_LIMIT, Math.min(opt.udpPayloadSize, ceiling));
}

/** The wire form of `response`, truncated (TC=1, records dropped) when larger than `limit`. */
export function encodeForUdp(response: Packet, limit: number): Buffer {
  const full = encode(response);
  if (full.length <= limit) return full;
  return encode({
    ...response,
    flags: (response.flags ?? 0) | FLAG_TC,
    answers: [],
    authorities: [],
    additionals: (response.additionals ?? []).filter((rr) => rr.type === "OPT"),
  });
}
