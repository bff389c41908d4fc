import { ApiError } from "../api";

/** A failed call, as the API said it: its problem+json `detail` (and the fields it names). */
export function ProblemBox({ error, context }: { error: unknown; context?: string }) {
  if (!error) return null;
  const p = error instanceof ApiError ? error.problem : { detail: String(error) };
  const status =
    error instanceof ApiError && error.status ? ` (${error.status}${p.code ? ` ${p.code}` : ""})` : "";
  return (
    <div class="problem" role="alert">
      <strong>
        {context ?? "The region answered with an error"}
        {status}:
      </strong>{" "}
      <span class="problem-detail">{p.detail ?? p.title}</span>
      {p.errors && p.errors.length > 0 && (
        <ul class="problem-fields">
          {p.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code> {e.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
