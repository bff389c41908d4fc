/**
 * One readable reason per JSON Schema (ajv) error, shared by the region's problem+json answers
 * and the providers' check failures, so an input is explained the same way wherever it is
 * refused. Pure: it reads ajv's error objects, it does not validate.
 */

/** The parts of an ajv ErrorObject this reads. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * The JSON pointer of the value an error is about, and why; undefined for anyOf/oneOf, whose
 * branches' own errors say what is wrong. `noun` names an unknown key ("field" in the API,
 * "property" in Pulumi).
 */
export function explainSchemaError(
  e: SchemaError,
  noun: "field" | "property",
): { pointer: string; reason: string } | undefined {
  switch (e.keyword) {
    case "required":
      return { pointer: `${e.instancePath}/${String(e.params.missingProperty)}`, reason: "is required" };
    case "additionalProperties":
      return {
        pointer: `${e.instancePath}/${String(e.params.additionalProperty)}`,
        reason: `is not a known ${noun}`,
      };
    case "pattern":
    case "format":
      return { pointer: e.instancePath, reason: `is not valid (${patternHint(e)})` };
    case "enum":
      return {
        pointer: e.instancePath,
        reason: `must be one of ${(e.params.allowedValues as unknown[]).join(", ")}`,
      };
    case "anyOf":
    case "oneOf":
      return undefined;
    default:
      return { pointer: e.instancePath, reason: e.message ?? e.keyword };
  }
}

/** What a pattern or format of the shared schemas (sdk/schema/common.ts) asks for, in words. */
function patternHint(e: SchemaError): string {
  if (e.keyword === "format") return `must be a ${String(e.params.format)}`;
  const p = String(e.params.pattern);
  if (p.includes("[0-9a-fA-F]{2}(:")) return "must be a MAC address like 52:54:00:12:34:56";
  if (p.includes("/([0-9]|[12][0-9]|3[0-2])$")) return "must be an IPv4 CIDR like 10.20.0.0/24";
  if (p.includes("25[0-5]")) return "must be an IPv4 address";
  if (p.startsWith("^[a-z]{2,4}_")) return "must be an object id like rgn_0123456789abcdef";
  if (p.startsWith("^[a-z0-9]([a-z0-9-]{0,61}")) return "must be a lower-case DNS label";
  if (p.startsWith("^(?=.{1,253}$)")) return "must be a DNS domain like girona.fibrix.example";
  return `must match ${p}`;
}
