/**
 * What a Dell PowerEdge 860 BMC (IPMI v1.5) looks like from the LAN: its Get Device ID answer,
 * its sensors as SDR records and the SEL it ships with. Values follow the PE860's published
 * envelope (one Xeon 3000-series CPU, four system fans, 1.5/3.3/5/12 V rails, CMOS battery,
 * one power supply, chassis intrusion switch); sensor numbers and the product id are the lab's
 * own choice, not read off a real board.
 *
 * Threshold sensors are type 01h full sensor records with linear conversion
 * y = (M·x + B·10^Bexp)·10^Rexp (spec 36.3); discrete ones are type 02h compact records;
 * the BMC itself is described by a type 12h management controller device locator.
 */

import type { DeviceId } from "../../power/ipmi15/commands/app";
import {
  type CompactSensorRecord,
  type FullSensorRecord,
  type OtherSdrRecord,
  SDR_RECORD_COMPACT,
  SDR_RECORD_FULL,
  type SdrRecord,
  type Thresholds,
  ThresholdBit,
} from "../../power/ipmi15/commands/sdr";
import type { SystemEventRecord } from "../../power/ipmi15/commands/sel";
import { AnalogFormat } from "../../power/ipmi15/sensor-conversion";

/** Dell Inc. IANA enterprise number. */
export const DELL_MANUFACTURER_ID = 674;
/** Product id the lab reports for a PE860 BMC (assumed; Dell does not publish a table). */
export const PE860_PRODUCT_ID = 0x0100;
export const BMC_OWNER_ID = 0x20;
export const SDR_VERSION_1_5 = 0x51;
/** Event Message format revision 04h = IPMI v1.5 (spec 29.7). */
export const EVM_REV_1_5 = 0x04;

/** Get Device ID (17.1): no device SDRs, SDR repository + SEL + sensor + chassis device. */
export const PE860_DEVICE_ID: Readonly<DeviceId> = {
  deviceId: 0x20,
  deviceRevision: 0,
  providesDeviceSdrs: false,
  deviceAvailable: true,
  firmwareMajor: 1,
  firmwareMinor: 50,
  ipmiVersion: { major: 1, minor: 5 },
  // bit 7 chassis device, bit 2 SEL device, bit 1 SDR repository device, bit 0 sensor device
  additionalDeviceSupport: 0x87,
  manufacturerId: DELL_MANUFACTURER_ID,
  productId: PE860_PRODUCT_ID,
  auxFirmwareRevision: Buffer.from([0, 0, 0, 0]),
};

export const SensorType = {
  TEMPERATURE: 0x01,
  VOLTAGE: 0x02,
  FAN: 0x04,
  PHYSICAL_SECURITY: 0x05,
  POWER_SUPPLY: 0x08,
  EVENT_LOGGING_DISABLED: 0x10,
} as const;

const Unit = { DEGREES_C: 1, VOLTS: 4, RPM: 18 } as const;
const Entity = {
  PROCESSOR: 0x03,
  SYSTEM_BOARD: 0x07,
  FRONT_PANEL: 0x0c,
  POWER_SUPPLY: 0x0a,
  SYSTEM_CHASSIS: 0x17,
  FAN: 0x1d,
  MANAGEMENT_CONTROLLER: 0x06,
  BATTERY: 0x28,
} as const;

export interface ThresholdSensorSpec {
  kind: "threshold";
  number: number;
  name: string;
  sensorType: number;
  entityId: number;
  entityInstance: number;
  unit: number;
  m: number;
  b: number;
  rExp: number;
  bExp: number;
  /** Raw reading the sensor idles at. */
  nominalRaw: number;
  /** How far (raw counts) readings wander around nominal. */
  driftRaw: number;
  /** Raw thresholds; only those in `readable` are meaningful. */
  thresholds: Thresholds;
  readable: number;
  hysteresis: number;
}

export interface DiscreteSensorSpec {
  kind: "discrete";
  number: number;
  name: string;
  sensorType: number;
  entityId: number;
  entityInstance: number;
  /** Offsets (bits) this sensor can assert. */
  stateMask: number;
  initialState: number;
}

export type SensorSpec = ThresholdSensorSpec | DiscreteSensorSpec;

const NO_THRESHOLDS: Thresholds = { lnc: 0, lc: 0, lnr: 0, unc: 0, uc: 0, unr: 0 };
const { LNC, LC, UNC, UC } = ThresholdBit;

function temp(
  number: number,
  name: string,
  entityId: number,
  nominal: number,
  t: Partial<Thresholds>,
): ThresholdSensorSpec {
  const thresholds = { ...NO_THRESHOLDS, ...t };
  let readable = 0;
  if (t.lnc !== undefined) readable |= LNC;
  if (t.lc !== undefined) readable |= LC;
  if (t.unc !== undefined) readable |= UNC;
  if (t.uc !== undefined) readable |= UC;
  return {
    kind: "threshold",
    number,
    name,
    sensorType: SensorType.TEMPERATURE,
    entityId,
    entityInstance: 1,
    unit: Unit.DEGREES_C,
    m: 1,
    b: 0,
    rExp: 0,
    bExp: 0,
    nominalRaw: nominal,
    driftRaw: 2,
    thresholds,
    readable,
    hysteresis: 2,
  };
}

function fan(n: number): ThresholdSensorSpec {
  // 75 RPM per count: 55 → 4125 RPM at idle; critical below 1500 RPM.
  return {
    kind: "threshold",
    number: 0x30 + n - 1,
    name: `FAN ${n} RPM`,
    sensorType: SensorType.FAN,
    entityId: Entity.FAN,
    entityInstance: n,
    unit: Unit.RPM,
    m: 75,
    b: 0,
    rExp: 0,
    bExp: 0,
    nominalRaw: 55 + (n % 2),
    driftRaw: 2,
    thresholds: { ...NO_THRESHOLDS, lnc: 24, lc: 20 },
    readable: LNC | LC,
    hysteresis: 1,
  };
}

function volts(
  number: number,
  name: string,
  m: number,
  nominal: number,
  lc: number,
  uc: number,
  entityId: number = Entity.SYSTEM_BOARD,
): ThresholdSensorSpec {
  return {
    kind: "threshold",
    number,
    name,
    sensorType: SensorType.VOLTAGE,
    entityId,
    entityInstance: 1,
    unit: Unit.VOLTS,
    m,
    b: 0,
    rExp: -3, // millivolts per count × M
    bExp: 0,
    nominalRaw: nominal,
    driftRaw: 1,
    thresholds: { ...NO_THRESHOLDS, lc, uc },
    readable: LC | UC,
    hysteresis: 1,
  };
}

/** The PE860 sensor set. Raw values: °C = raw; RPM = 75·raw; V = M·raw/1000. */
export const PE860_SENSORS: readonly SensorSpec[] = [
  temp(0x01, "CPU Temp", Entity.PROCESSOR, 42, { unc: 85, uc: 90 }),
  temp(0x02, "Ambient Temp", Entity.FRONT_PANEL, 24, { lc: 3, lnc: 8, unc: 42, uc: 47 }),
  temp(0x03, "Planar Temp", Entity.SYSTEM_BOARD, 35, { unc: 70, uc: 75 }),
  fan(1),
  fan(2),
  fan(3),
  fan(4),
  volts(0x10, "1.5V", 8, 188, 169, 206), // 1.504 V (1.352..1.648)
  volts(0x11, "3.3V", 17, 194, 175, 213), // 3.298 V (2.975..3.621)
  volts(0x12, "5V", 26, 192, 173, 211), // 4.992 V (4.498..5.486)
  volts(0x13, "12V", 63, 190, 171, 209), // 11.97 V (10.77..13.17)
  {
    ...volts(0x14, "VBAT", 16, 188, 156, 0, Entity.BATTERY), // 3.008 V, low below 2.5 V
    thresholds: { ...NO_THRESHOLDS, lnc: 162, lc: 156 },
    readable: LNC | LC,
  },
  {
    kind: "discrete",
    number: 0x50,
    name: "PS Status",
    sensorType: SensorType.POWER_SUPPLY,
    entityId: Entity.POWER_SUPPLY,
    entityInstance: 1,
    stateMask: 0x000f, // presence, failure, predictive failure, AC lost (table 36-3)
    initialState: 0x0001, // present
  },
  {
    kind: "discrete",
    number: 0x51,
    name: "Intrusion",
    sensorType: SensorType.PHYSICAL_SECURITY,
    entityId: Entity.SYSTEM_CHASSIS,
    entityInstance: 1,
    stateMask: 0x0001, // general chassis intrusion
    initialState: 0,
  },
];

/** SEL "Event Logging Disabled" sensor number (no SDR: only referenced by the log-cleared event). */
export const SEL_SENSOR_NUMBER = 0x72;

export function thresholdEventMasks(readable: number): { assertion: number; deassertion: number } {
  // Assertion/deassertion event bits (table 43-1 bytes 15–18): the "going" direction that
  // crosses each readable threshold; bits 14:12 report which thresholds are compared.
  let events = 0;
  if (readable & LNC) events |= 1 << 0;
  if (readable & LC) events |= 1 << 2;
  if (readable & UNC) events |= 1 << 7;
  if (readable & UC) events |= 1 << 9;
  const lowerCompared = ((readable & LNC ? 1 : 0) | (readable & LC ? 2 : 0)) << 12;
  const upperCompared = ((readable & UNC ? 1 : 0) | (readable & UC ? 2 : 0)) << 12;
  return { assertion: events | lowerCompared, deassertion: events | upperCompared };
}

export function fullSensorRecord(s: ThresholdSensorSpec, recordId: number): FullSensorRecord {
  const masks = thresholdEventMasks(s.readable);
  return {
    recordType: SDR_RECORD_FULL,
    recordId,
    sdrVersion: SDR_VERSION_1_5,
    ownerId: BMC_OWNER_ID,
    ownerChannel: 0,
    ownerLun: 0,
    sensorNumber: s.number,
    entityId: s.entityId,
    entityInstance: s.entityInstance,
    initialization: 0x7f, // scanning + events enabled, init thresholds/hysteresis/type
    // auto re-arm, hysteresis readable, thresholds readable per mask, no event control
    capabilities: 0x40 | (1 << 4) | (1 << 2),
    sensorType: s.sensorType,
    eventReadingType: 0x01,
    assertionMask: masks.assertion,
    deassertionMask: masks.deassertion,
    readingMask: s.readable, // settable mask (bits 13:8) = none
    units: {
      analogFormat: AnalogFormat.UNSIGNED,
      rateUnit: 0,
      modifierMode: 0,
      percentage: false,
      base: s.unit,
      modifier: 0,
    },
    linearization: 0,
    m: s.m,
    tolerance: 0,
    b: s.b,
    accuracy: 0,
    accuracyExp: 0,
    direction: 0,
    rExp: s.rExp,
    bExp: s.bExp,
    analogFlags: 0x01, // nominal reading specified
    nominalReading: s.nominalRaw,
    normalMax: 0xff,
    normalMin: 0x00,
    sensorMax: 0xff,
    sensorMin: 0x00,
    thresholds: s.thresholds,
    positiveHysteresis: s.hysteresis,
    negativeHysteresis: s.hysteresis,
    oem: 0,
    idString: s.name,
  };
}

export function compactSensorRecord(s: DiscreteSensorSpec, recordId: number): CompactSensorRecord {
  return {
    recordType: SDR_RECORD_COMPACT,
    recordId,
    sdrVersion: SDR_VERSION_1_5,
    ownerId: BMC_OWNER_ID,
    ownerChannel: 0,
    ownerLun: 0,
    sensorNumber: s.number,
    entityId: s.entityId,
    entityInstance: s.entityInstance,
    initialization: 0x63, // scanning + events enabled, init type
    capabilities: 0x40, // auto re-arm, no thresholds
    sensorType: s.sensorType,
    eventReadingType: 0x6f, // sensor-specific
    assertionMask: s.stateMask,
    deassertionMask: s.stateMask,
    readingMask: s.stateMask,
    units: {
      analogFormat: AnalogFormat.NONE,
      rateUnit: 0,
      modifierMode: 0,
      percentage: false,
      base: 0,
      modifier: 0,
    },
    sharing: 0,
    positiveHysteresis: 0,
    negativeHysteresis: 0,
    oem: 0,
    idString: s.name,
  };
}

/** Type 12h management controller device locator for the BMC itself (43.9). */
export function bmcLocatorRecord(recordId: number): OtherSdrRecord {
  const name = Buffer.from("BMC", "latin1");
  return {
    recordType: 0x12,
    recordId,
    sdrVersion: SDR_VERSION_1_5,
    body: Buffer.concat([
      Buffer.from([
        BMC_OWNER_ID, // device slave address
        0x00, // channel 0
        0x00, // ACPI/global init: none
        PE860_DEVICE_ID.additionalDeviceSupport, // device capabilities
        0,
        0,
        0, // reserved
        Entity.MANAGEMENT_CONTROLLER,
        1, // entity instance
        0, // OEM
        0xc0 | name.length,
      ]),
      name,
    ]),
  };
}

/** All SDR records of the profile, record ids 1..n in sensor order, BMC locator last. */
export function pe860SdrRecords(): SdrRecord[] {
  const out: SdrRecord[] = PE860_SENSORS.map((s, i) =>
    s.kind === "threshold" ? fullSensorRecord(s, i + 1) : compactSensorRecord(s, i + 1),
  );
  out.push(bmcLocatorRecord(out.length + 1));
  return out;
}

/** The SEL a freshly racked PE860 shows: log cleared at install, PSU present, lid opened and closed. */
export function pe860InitialSel(nowSeconds: number): Omit<SystemEventRecord, "recordId">[] {
  const base = {
    kind: "system" as const,
    recordType: 0x02 as const,
    generatorId: BMC_OWNER_ID,
    evmRevision: EVM_REV_1_5,
  };
  const t0 = Math.max(0, nowSeconds - 86_400);
  return [
    {
      ...base,
      timestamp: t0,
      sensorType: SensorType.EVENT_LOGGING_DISABLED,
      sensorNumber: SEL_SENSOR_NUMBER,
      deassertion: false,
      eventType: 0x6f,
      eventData: [0x02, 0xff, 0xff], // log area reset/cleared
    },
    {
      ...base,
      timestamp: t0 + 5,
      sensorType: SensorType.POWER_SUPPLY,
      sensorNumber: 0x50,
      deassertion: false,
      eventType: 0x6f,
      eventData: [0x00, 0xff, 0xff], // presence detected
    },
    {
      ...base,
      timestamp: t0 + 600,
      sensorType: SensorType.PHYSICAL_SECURITY,
      sensorNumber: 0x51,
      deassertion: false,
      eventType: 0x6f,
      eventData: [0x00, 0xff, 0xff], // general chassis intrusion
    },
    {
      ...base,
      timestamp: t0 + 900,
      sensorType: SensorType.PHYSICAL_SECURITY,
      sensorNumber: 0x51,
      deassertion: true,
      eventType: 0x6f,
      eventData: [0x00, 0xff, 0xff],
    },
  ];
}
