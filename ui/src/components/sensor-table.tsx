/**
 * A machine's sensors: each reading beside its thresholds (the BMC's readable ones, in the
 * reading's unit), and its state in words with a shape, so it never rests on colour alone:
 * ✓ ok, ▲ non-critical, ✖ critical, ? unknown. The threshold the value has reached is marked
 * in its own cell too. Abbreviations are ipmitool's and FreeIPMI's.
 */
import type { SensorReading } from "../../../sdk/schema/machine";
import { THRESHOLDS, type SensorState, describeSensorState, sensorState } from "../../../sdk/sensor-state";

const MARK: Record<SensorState, string> = { ok: "✓", "non-critical": "▲", critical: "✖", unknown: "?" };
const CLASS: Record<SensorState, string> = {
  ok: "h-ok",
  "non-critical": "h-warning",
  critical: "h-critical",
  unknown: "h-unknown",
};

export function SensorTable({ sensors }: { sensors: SensorReading[] }) {
  return (
    <div class="table-wrap">
      <table class="table sensors" id="sensors" aria-describedby="sensors-legend">
        <caption>Sensors ({sensors.length})</caption>
        <thead>
          <tr>
            <th scope="col">Sensor</th>
            <th scope="col">Kind</th>
            <th scope="col">Reading</th>
            {THRESHOLDS.map((t) => (
              <th scope="col" class="num" key={t.key} data-threshold={t.key}>
                <abbr title={t.label}>{t.short}</abbr>
              </th>
            ))}
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {sensors.map((s) => {
            const { state, crossed } = sensorState(s);
            return (
              <tr key={s.name} data-sensor={s.name} data-state={state}>
                <th scope="row">{s.name}</th>
                <td>{s.kind}</td>
                <td class="num">{s.value === null ? "—" : `${s.value} ${s.unit}`.trim()}</td>
                {THRESHOLDS.map((t) => {
                  const v = s.thresholds?.[t.key];
                  const reached = crossed?.key === t.key;
                  return (
                    <td class="num" key={t.key} data-threshold={t.key} data-value={v ?? ""}>
                      {v === undefined ? (
                        "—"
                      ) : reached ? (
                        <strong class={`reached ${CLASS[state]}`}>
                          {v} <span aria-hidden="true">{MARK[state]}</span>
                        </strong>
                      ) : (
                        v
                      )}
                    </td>
                  );
                })}
                <td class="sensor-state">
                  <span class={`health ${CLASS[state]}`}>
                    <span aria-hidden="true">{MARK[state]} </span>
                    {describeSensorState(s)}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="muted legend" id="sensors-legend">
        Thresholds in the reading's unit, as the BMC reports them:{" "}
        {THRESHOLDS.map((t) => `${t.short} ${t.label}`).join(", ")}; — none.
      </p>
    </div>
  );
}
