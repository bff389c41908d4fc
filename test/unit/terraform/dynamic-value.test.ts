/** DynamicValue msgpack ↔ JS, checked against bytes go-cty produces, and round-tripped by property. */
import fc from "fast-check";
import {
  conform,
  decodeValue,
  encodeValue,
  fromDynamicValue,
  type TfValue,
  UNKNOWN,
} from "../../../provider/terraform/dynamic-value";
import {
  listOf,
  objectOf,
  TfBool,
  TfNumber,
  TfString,
  type TfType,
} from "../../../provider/terraform/tf-type";

const T = objectOf({
  name: TfString,
  cores: TfNumber,
  on: TfBool,
  macs: listOf(TfString),
  power: objectOf({ type: TfString, port: TfNumber }),
});

test("unknown is msgpack extension 0 (go-cty fixext1 d4 00 00) and decodes back", () => {
  expect(Buffer.from(encodeValue(UNKNOWN, TfString)).toString("hex")).toBe("d40000");
  expect(decodeValue(Buffer.from("d40000", "hex"), TfString)).toBe(UNKNOWN);
  // Refined unknowns (extension 12, Terraform ≥ 1.6) are plain unknowns to us.
  expect(decodeValue(Buffer.from("c7020c8101", "hex"), TfString)).toBe(UNKNOWN);
});

test("objects carry every attribute; nulls are msgpack nil", () => {
  const bytes = encodeValue({ name: "a" }, objectOf({ name: TfString, cores: TfNumber }));
  // fixmap(2) "name" "a" "cores" nil
  expect(Buffer.from(bytes).toString("hex")).toBe("82a46e616d65a161a5636f726573c0");
});

test("numbers from cty may be decimal strings; big ints and floats survive", () => {
  expect(conform("12345678901234", TfNumber)).toBe(12345678901234);
  expect(decodeValue(encodeValue(2.5, TfNumber), TfNumber)).toBe(2.5);
  expect(decodeValue(encodeValue(2 ** 40, TfNumber), TfNumber)).toBe(2 ** 40);
});

test("type mismatches are DynamicValueErrors with a path, never crashes", () => {
  expect(() => conform({ name: 5 }, T)).toThrow(/name: expected a string/);
  expect(() => conform({ macs: ["a", 1] }, T)).toThrow(/macs.1/);
});

test("JSON raw state is read with the same type", () => {
  const v = fromDynamicValue({ json: Buffer.from(JSON.stringify({ name: "x", cores: 2, extra: 1 })) }, T);
  expect(v).toEqual({ name: "x", cores: 2, on: null, macs: null, power: null });
});

const arbValue = (t: TfType): fc.Arbitrary<TfValue> => {
  const withNull = <V extends TfValue>(a: fc.Arbitrary<V>) =>
    fc.oneof(a, fc.constant(null), fc.constant(UNKNOWN)) as fc.Arbitrary<TfValue>;
  switch (t.kind) {
    case "string":
      return withNull(fc.string());
    case "number":
      // cty numbers have no negative zero (msgpack int 0 is what go-cty sends for it).
      return withNull(
        fc
          .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
          .map((x) => (x === 0 ? 0 : x)),
      );
    case "bool":
      return withNull(fc.boolean());
    case "list":
    case "set":
      return withNull(fc.array(arbValue(t.element), { maxLength: 4 }));
    case "map":
      return withNull(fc.dictionary(fc.string({ minLength: 1 }), arbValue(t.element), { maxKeys: 3 }));
    case "object":
      return withNull(
        fc.record(Object.fromEntries(Object.entries(t.attributes).map(([k, a]) => [k, arbValue(a)]))),
      );
  }
};

test("property: decode(encode(v)) = v for every value of the type, unknowns included", () => {
  fc.assert(
    fc.property(arbValue(T), (v) => {
      expect(decodeValue(encodeValue(v, T), T)).toEqual(v);
    }),
    { numRuns: 500 },
  );
});
