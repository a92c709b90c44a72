// A queue row: deadline with the time left, status, priority, photo, and the order by urgency.
// The queue's order is remembered so that the report page can offer "next report" after an action.
import { html, nothing } from "lit-html";
import { slaState } from "../data";
import { enumLabel, formatDuration, formatTime, statusLabel, t } from "../i18n";
import { personLabel } from "./report-audit";

export interface QueueRow {
  id: string;
  status: string;
  priority: string;
  description: string;
  createdAt: string;
  slaDueAt: string | null;
  ackDueAt: string | null;
  resolveDueAt: string | null;
  meTooCount: number;
  hidden: boolean;
  lockedUntil: string | null;
  lockedBy: { id: string; displayName: string | null } | null;
  category: { id: string; name: string } | null;
  area: { id: string; name: string } | null;
  photos: { id: string; thumbnailUrl: string }[];
  location: { lat: number; lng: number };
  assignee: { id: string; displayName: string | null } | null;
  /** Open reports of the same category nearby (up to 10; null when the viewer may not see it). */
  suspectedDuplicateCount: number | null;
}

const PRIORITY_RANK: Record<string, number> = { URGENT: 0, NORMAL: 1, LOW: 2 };

function dueTime(row: Parameters<typeof slaState>[0]): number {
  const sla = slaState(row);
  return sla ? new Date(sla.due).getTime() : Number.POSITIVE_INFINITY;
}

/** Most urgent first: priority, then the least time left on the current deadline (stable). */
export function byUrgency<T extends QueueRow>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) => (PRIORITY_RANK[a.priority] ?? 1) - (PRIORITY_RANK[b.priority] ?? 1) || dueTime(a) - dueTime(b),
  );
}

let order: string[] = [];

export function rememberOrder(ids: string[]): void {
  order = ids;
}

/** The report after this one in the queue as last shown (the first one if it is not there). */
export function nextInQueue(id: string): string | null {
  const at = order.indexOf(id);
  const next = order[at + 1] ?? null;
  return next === id ? null : next;
}

export function slaBadge(report: Parameters<typeof slaState>[0]) {
  const sla = slaState(report);
  if (!sla) return html`<span class="muted">—</span>`;
  const left = new Date(sla.due).getTime() - Date.now();
  const label = sla.kind === "overdue" ? t("slaOverdueBy", { time: formatDuration(left) }) : t("slaLeft", { time: formatDuration(left) });
  const due = t("slaDueAt", { time: formatTime(sla.due) });
  return html`<span class="badge sla-${sla.kind}" title=${due}>${label}<span class="sr-only">, ${due}</span></span>`;
}

export function statusBadge(status: string) {
  return html`<span class="badge status status-${status.toLowerCase()}">${statusLabel(status)}</span>`;
}

export interface RowHandlers {
  current: number;
  checked: Set<string>;
  select(index: number): void;
  toggle(id: string): void;
}

export function rowView(row: QueueRow, index: number, host: RowHandlers) {
  const lockHeld = row.lockedBy && row.lockedUntil && new Date(row.lockedUntil).getTime() > Date.now();
  const photo = row.photos[0];
  return html`<tr id="row-${index}" class=${index === host.current ? "current" : ""} @click=${() => host.select(index)}>
    <td class="select">
      <input type="checkbox" aria-label=${t("selectReport", { id: row.id })} .checked=${host.checked.has(row.id)}
        @change=${() => host.toggle(row.id)} />
    </td>
    <td class="sla">${slaBadge(row)}</td>
    <td>${statusBadge(row.status)}${row.hidden ? html` <span class="badge hidden-badge">${t("hidden")}</span>` : nothing}</td>
    <td>${row.priority === "NORMAL" ? enumLabel(row.priority) : html`<strong class="priority-${row.priority.toLowerCase()}">${enumLabel(row.priority)}</strong>`}</td>
    <td class="photo">${photo
      ? html`<img src=${photo.thumbnailUrl} alt=${t("rowPhoto", { count: row.photos.length })} loading="lazy" width="48" height="48" />`
      : nothing}</td>
    <td>${row.category?.name ?? "—"}</td>
    <td>${row.area?.name ?? "—"}</td>
    <td class="description"><a class="open" href="#/report/${row.id}">${row.description.slice(0, 140) || row.id}</a>${row.suspectedDuplicateCount
      ? html` <span class="badge duplicate-badge" title=${t("suspectedDuplicates", { count: row.suspectedDuplicateCount })}
          >≈ ${row.suspectedDuplicateCount}<span class="sr-only">, ${t("suspectedDuplicates", { count: row.suspectedDuplicateCount })}</span></span>`
      : nothing}</td>
    <td class="num">${row.meTooCount}</td>
    <td>${row.assignee ? html`<span class="assignee">${personLabel(row.assignee)}</span>` : "—"}${lockHeld
      ? html` <span class="lock">🔒 ${personLabel(row.lockedBy)}</span>`
      : nothing}</td>
    <td><time datetime=${row.createdAt}>${formatTime(row.createdAt)}</time></td>
  </tr>`;
}

export function headView() {
  return html`<thead>
    <tr>
      <th scope="col"><span class="sr-only">${t("colSelect")}</span></th>
      <th scope="col">${t("colSla")}</th>
      <th scope="col">${t("colStatus")}</th>
      <th scope="col">${t("colPriority")}</th>
      <th scope="col"><span class="sr-only">${t("colPhoto")}</span></th>
      <th scope="col">${t("colCategory")}</th>
      <th scope="col">${t("colArea")}</th>
      <th scope="col">${t("colDescription")}</th>
      <th scope="col">${t("colMeToo")}</th>
      <th scope="col">${t("colLock")}</th>
      <th scope="col">${t("colCreated")}</th>
    </tr>
  </thead>`;
}
