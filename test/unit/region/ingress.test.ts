/** How a NIC's security groups become the ingress rules the rack enforces (backend/region/network-payloads.ts). */
import { resolveIngress } from "../../../backend/region/network-payloads";
import type { SecurityGroupRule } from "../../../sdk/schema/security-group";

const none = () => [];

test("no groups: only the NIC's own network comes in, as one explicit rule", () => {
  expect(resolveIngress("10.10.0.0/24", undefined, none)).toEqual([
    { protocol: "any", sources: ["10.10.0.0/24"] },
  ]);
});

test("groups without rules admit nothing (not even the own network)", () => {
  expect(resolveIngress("10.10.0.0/24", [], none)).toEqual([]);
});

test("CIDR sources pass through; group sources become their members' /32s, sorted and deduplicated", () => {
  const rules: SecurityGroupRule[] = [
    { protocol: "tcp", fromPort: 22, toPort: 22, source: "192.0.2.0/24" },
    { protocol: "tcp", fromPort: 5432, toPort: 5432, source: "sg_00000000000000aa" },
    { protocol: "icmp", source: "sg_00000000000000bb" },
    { protocol: "udp", source: "0.0.0.0/0" },
  ];
  const members = (g: string) =>
    g === "sg_00000000000000aa" ? ["10.10.0.10", "10.10.0.3", "10.10.0.10"] : [];
  expect(resolveIngress("10.10.0.0/24", rules, members)).toEqual([
    { protocol: "tcp", fromPort: 22, toPort: 22, sources: ["192.0.2.0/24"] },
    { protocol: "tcp", fromPort: 5432, toPort: 5432, sources: ["10.10.0.3/32", "10.10.0.10/32"] },
    // The empty group (bb) admits nobody: no rule.
    { protocol: "udp", sources: ["0.0.0.0/0"] },
  ]);
});
