/**
 * Building blocks of the resource schemas. TypeBox schemas are plain JSON Schema, so one
 * definition gives the API's validation (ajv), the OpenAPI document, the SDK's static types,
 * the Pulumi input checks and the Terraform schema.
 */
import { type TSchema, type TUnsafe, Type } from "@sinclair/typebox";

/** Object schemas reject unknown fields: a typo in a program must not be silently dropped. */
export const Strict = { additionalProperties: false } as const;

/** A closed set of strings, as JSON Schema `enum` (one clear error: "must be one of …"). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  description?: string,
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({
    type: "string",
    enum: [...values],
    ...(description ? { description } : {}),
  });
}

export const Id = Type.String({
  pattern: "^[a-z]{2,4}_[0-9a-f]{16}$",
  maxLength: 24,
  description: "Object id",
});

/** A DNS label (RFC 1123): what hostnames, region and pool names must be. */
export const Label = Type.String({
  pattern: "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
  minLength: 1,
  maxLength: 63,
  description: "lower-case DNS label: letters, digits and '-', 1-63 chars",
});

export const DnsDomain = Type.String({
  pattern: "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$",
  description: "fully qualified DNS domain, e.g. girona.fibrix.example",
});

export const Description = Type.String({ maxLength: 1024 });

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
export const Ipv4 = Type.String({ pattern: `^(${OCTET}\\.){3}${OCTET}$`, description: "IPv4 address" });
export const Ipv4Cidr = Type.String({
  pattern: `^(${OCTET}\\.){3}${OCTET}/([0-9]|[12][0-9]|3[0-2])$`,
  description: "IPv4 network in CIDR notation, e.g. 10.20.0.0/24",
});
export const Mac = Type.String({
  pattern: "^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$",
  description: "MAC address, e.g. 52:54:00:12:34:56",
});
export const Tag = Type.String({ pattern: "^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,62}$" });
export const Tags = Type.Array(Tag, { maxItems: 32, uniqueItems: true });

export const Timestamp = Type.String({ format: "date-time" });

export const Meta = {
  id: Id,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer({
    minimum: 1,
    description: "Increases on every change; the ETag is derived from it",
  }),
};

export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  Strict,
);
