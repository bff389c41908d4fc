/**
 * Raw sensor reading ⇄ value in units (spec 36.3, "Sensor Reading Conversion Formula"):
 *
 *   y = L[(M·x + B·10^Bexp) · 10^Rexp]
 *
 * M and B are 10-bit two's complement, Bexp (K1) and Rexp (K2) 4-bit two's complement, x is
 * the raw byte read as unsigned, one's complement or two's complement per the SDR's analog
 * data format (units 1, bits 7:6), and L the linearization function (SDR byte 24).
 */

export const AnalogFormat = {
  UNSIGNED: 0,
  ONES_COMPLEMENT: 1,
  TWOS_COMPLEMENT: 2,
  NONE: 3,
} as const;
export type AnalogFormat = (typeof AnalogFormat)[keyof typeof AnalogFormat];

export interface ConversionFactors {
  m: number;
  b: number;
  bExp: number;
  rExp: number;
  /** 0 linear, 1 ln, 2 log10, 3 log2, 4 e, 5 exp10, 6 exp2, 7 1/x, 8 sqr, 9 cube, 10 sqrt, 11 cube⁻¹; 0x70–0x7F non-linear. */
  linearization: number;
  analogFormat: AnalogFormat;
}

/** Sign-extend the low `bits` bits of v. */
export function signExtend(v: number, bits: number): number {
  const shift = 32 - bits;
  return (v << shift) >> shift;
}

/** The raw byte as a signed/unsigned integer, or undefined when the sensor has no analog reading. */
export function rawToInteger(raw: number, format: AnalogFormat): number | undefined {
  const x = raw & 0xff;
  switch (format) {
    case AnalogFormat.UNSIGNED:
      return x;
    case AnalogFormat.ONES_COMPLEMENT:
      return x & 0x80 ? -(~x & 0x7f) : x;
    case AnalogFormat.TWOS_COMPLEMENT:
      return signExtend(x, 8);
    default:
      return undefined;
  }
}

function linearize(y: number, l: number): number | undefined {
  switch (l) {
    case 0:
      return y;
    case 1:
      return Math.log(y);
    case 2:
      return Math.log10(y);
    case 3:
      return Math.log2(y);
    case 4:
      return Math.exp(y);
    case 5:
      return 10 ** y;
    case 6:
      return 2 ** y;
    case 7:
      return 1 / y;
    case 8:
      return y * y;
    case 9:
      return y * y * y;
    case 10:
      return Math.sqrt(y);
    case 11:
      return Math.cbrt(y);
    default:
      // 0x70–0x7F: non-linear, needs Get Sensor Reading Factors per reading (not supported).
      return undefined;
  }
}

/** Value in units, rounded to 12 significant digits to hide binary float noise; undefined if not convertible. */
export function convertReading(raw: number, f: ConversionFactors): number | undefined {
  const x = rawToInteger(raw, f.analogFormat);
  if (x === undefined) return undefined;
  const y = linearize((f.m * x + f.b * 10 ** f.bExp) * 10 ** f.rExp, f.linearization);
  if (y === undefined || !Number.isFinite(y)) return undefined;
  return Number(y.toPrecision(12));
}

/**
 * Inverse of convertReading for linear sensors (the lab BMC uses it to publish a value):
 * the raw byte whose reading is closest to `value`, clamped to the format's range.
 */
export function rawFromValue(value: number, f: ConversionFactors): number | undefined {
  if (f.linearization !== 0 || f.m === 0 || f.analogFormat === AnalogFormat.NONE) return undefined;
  // `+ 0` turns Math.round's -0 into 0: a raw byte has no signed zero.
  const x = Math.round((value / 10 ** f.rExp - f.b * 10 ** f.bExp) / f.m) + 0;
  switch (f.analogFormat) {
    case AnalogFormat.UNSIGNED:
      return Math.min(255, Math.max(0, x));
    case AnalogFormat.ONES_COMPLEMENT: {
      const c = Math.min(127, Math.max(-127, x));
      return c < 0 ? ~-c & 0xff : c;
    }
    default: {
      const c = Math.min(127, Math.max(-128, x));
      return c & 0xff;
    }
  }
}
