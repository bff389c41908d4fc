/**
 * Names for sensor types (IPMI v2.0 spec 42.2, table 42-3), event/reading type codes (42.1,
 * table 42-1), threshold event offsets (table 42-2, "Threshold" row) and sensor base units
 * (43.17, table 43-15). Only used to make decoded records readable; unknown values are
 * shown as numbers.
 */

const SENSOR_TYPES: ReadonlyMap<number, string> = new Map([
  [0x01, "Temperature"],
  [0x02, "Voltage"],
  [0x03, "Current"],
  [0x04, "Fan"],
  [0x05, "Physical Security"],
  [0x06, "Platform Security"],
  [0x07, "Processor"],
  [0x08, "Power Supply"],
  [0x09, "Power Unit"],
  [0x0a, "Cooling Device"],
  [0x0b, "Other Units-based Sensor"],
  [0x0c, "Memory"],
  [0x0d, "Drive Slot (Bay)"],
  [0x0e, "POST Memory Resize"],
  [0x0f, "System Firmware Progress"],
  [0x10, "Event Logging Disabled"],
  [0x11, "Watchdog 1"],
  [0x12, "System Event"],
  [0x13, "Critical Interrupt"],
  [0x14, "Button / Switch"],
  [0x15, "Module / Board"],
  [0x16, "Microcontroller / Coprocessor"],
  [0x17, "Add-in Card"],
  [0x18, "Chassis"],
  [0x19, "Chip Set"],
  [0x1a, "Other FRU"],
  [0x1b, "Cable / Interconnect"],
  [0x1c, "Terminator"],
  [0x1d, "System Boot Initiated"],
  [0x1e, "Boot Error"],
  [0x1f, "OS Boot"],
  [0x20, "OS Critical Stop"],
  [0x21, "Slot / Connector"],
  [0x22, "System ACPI Power State"],
  [0x23, "Watchdog 2"],
  [0x24, "Platform Alert"],
  [0x25, "Entity Presence"],
  [0x26, "Monitor ASIC / IC"],
  [0x27, "LAN"],
  [0x28, "Management Subsystem Health"],
  [0x29, "Battery"],
]);

export function sensorTypeName(t: number): string {
  if (t >= 0xc0) return `OEM (0x${t.toString(16)})`;
  return SENSOR_TYPES.get(t) ?? `Unknown (0x${t.toString(16).padStart(2, "0")})`;
}

export const EVENT_READING_TYPE_THRESHOLD = 0x01;
export const EVENT_READING_TYPE_SENSOR_SPECIFIC = 0x6f;

export function eventReadingTypeName(t: number): string {
  if (t === 0x00) return "unspecified";
  if (t === EVENT_READING_TYPE_THRESHOLD) return "threshold";
  if (t >= 0x02 && t <= 0x0c) return "generic discrete";
  if (t === EVENT_READING_TYPE_SENSOR_SPECIFIC) return "sensor-specific";
  if (t >= 0x70 && t <= 0x7f) return "OEM";
  return `unknown (0x${t.toString(16)})`;
}

/** Offsets 0..11 of a threshold-type event (table 42-2). */
export const THRESHOLD_EVENT_OFFSETS: readonly string[] = [
  "Lower Non-critical going low",
  "Lower Non-critical going high",
  "Lower Critical going low",
  "Lower Critical going high",
  "Lower Non-recoverable going low",
  "Lower Non-recoverable going high",
  "Upper Non-critical going low",
  "Upper Non-critical going high",
  "Upper Critical going low",
  "Upper Critical going high",
  "Upper Non-recoverable going low",
  "Upper Non-recoverable going high",
];

const UNITS: readonly string[] = [
  "unspecified",
  "degrees C",
  "degrees F",
  "degrees K",
  "Volts",
  "Amps",
  "Watts",
  "Joules",
  "Coulombs",
  "VA",
  "Nits",
  "lumen",
  "lux",
  "Candela",
  "kPa",
  "PSI",
  "Newton",
  "CFM",
  "RPM",
  "Hz",
  "microsecond",
  "millisecond",
  "second",
  "minute",
  "hour",
  "day",
  "week",
];

export function unitName(u: number): string {
  return UNITS[u] ?? `unit ${u}`;
}
