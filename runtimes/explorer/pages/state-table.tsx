/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { StateField } from "../state-diff.js";

const changeLabels: Record<StateField["change"], string> = {
  added: "added",
  changed: "changed",
  removed: "removed",
  unchanged: "",
};

/** The state after one event, field by field, with what the event changed marked in words and colour. */
export function StateTable({ fields, caption }: { fields: readonly StateField[]; caption: string }) {
  return (
    <table>
      <caption class="muted">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Value</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((field) => (
          <tr class={field.change === "unchanged" ? undefined : field.change}>
            <th scope="row">
              <code>{field.path}</code>
            </th>
            <td>
              <code>{field.value ?? "—"}</code>
            </td>
            <td>{changeLabels[field.change]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
