/** A small region as the DNS tests see it: one forward zone, a nested rack zone, IPv4 and IPv6 hosts. */
import type { ZoneSetInput } from "../../../backend/region/dns/zone";

export const GIRONA: ZoneSetInput = {
  zones: [
    {
      origin: "girona.fibrix.example",
      nameservers: ["ns1.girona.fibrix.example", "ns2.fibrix.example"],
      serial: 2024061501,
      ttl: 120,
      nsAddresses: [
        { name: "ns1.girona.fibrix.example", ipv4: "192.0.2.53", ipv6: "2001:db8:0:1::53" },
        { name: "ns2.fibrix.example", ipv4: "198.51.100.53" },
      ],
      hosts: [
        { name: "web-1", ipv4: "192.0.2.10", ipv6: "2001:db8:0:1::10" },
        { name: "web-2", ipv4: "192.0.2.11" },
        { name: "v6only", ipv6: "2001:db8:0:1::20" },
        { name: "vm-7.tenant-a", ipv4: "192.0.2.77" },
        { name: "@", ipv4: "192.0.2.1" },
      ],
    },
    {
      origin: "rack2.girona.fibrix.example",
      nameservers: ["ns1.girona.fibrix.example"],
      serial: 7,
      hosts: [{ name: "pe860-01", ipv4: "203.0.113.21" }],
    },
  ],
};
