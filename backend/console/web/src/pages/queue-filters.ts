// The queue's filters: kept across visits to a report and back (like a mail client keeps its folder
// view), folded away behind a summary of what is active, and preset to a staff member's own unit.
import { html } from "lit-html";
import { type Category, STATUSES, areaName, departmentName, departments } from "../data";
import { statusLabel, t } from "../i18n";
import { pickableAreaGroups, staffScope } from "../session";

export interface Filters {
  status: string;
  categoryId: string;
  departmentId: string;
  areaId: string;
  /** "" (anyone), ME, or NONE: reportAssign's assignee. */
  assignee: string;
  overdue: boolean;
  reopened: boolean;
  hidden: boolean;
  text: string;
  createdFrom: string;
  createdTo: string;
  /** URGENCY (priority, then time left: ordered here) or one of the API's ModerationQueueSort. */
  sort: string;
  direction: string;
}

function defaults(): Filters {
  const scope = staffScope();
  return {
    status: "",
    categoryId: "",
    departmentId: scope.department ?? "",
    areaId: scope.areas.length === 1 ? scope.areas[0] : "",
    assignee: "",
    overdue: false,
    reopened: false,
    hidden: false,
    text: "",
    createdFrom: "",
    createdTo: "",
    sort: "URGENCY",
    direction: "ASC",
  };
}

let current: Filters | null = null;
let owner: string | null = null;

/** The filters in force; reset when another account signs in. */
export function filters(): Filters {
  const key = JSON.stringify(staffScope());
  if (!current || owner !== key) {
    current = defaults();
    owner = key;
  }
  return current;
}

export function setFilters(next: Partial<Filters> | null): void {
  current = next ? { ...filters(), ...next } : defaults();
}

function dayStart(date: string, plusDays = 0): string {
  // Dates are picked in Hanoi's calendar (UTC+7, no daylight saving).
  const start = new Date(`${date}T00:00:00+07:00`);
  return new Date(start.getTime() + plusDays * 86_400_000).toISOString();
}

export function queryFilter(): Record<string, unknown> {
  const f = filters();
  return {
    status: f.status || null,
    categoryId: f.categoryId || null,
    departmentId: f.departmentId || null,
    areaId: f.areaId || null,
    assignee: f.assignee || null,
    overdue: f.overdue || null,
    reopened: f.reopened || null,
    hidden: f.hidden,
    text: f.text.trim() || null,
    createdFrom: f.createdFrom ? dayStart(f.createdFrom) : null,
    createdTo: f.createdTo ? dayStart(f.createdTo, 1) : null,
  };
}

/** The API's order: URGENCY is the server's (priority, then deadline), always most urgent first. */
export function querySort(): { field: string; direction: string } {
  const f = filters();
  return { field: f.sort, direction: f.sort === "URGENCY" ? "ASC" : f.direction };
}

/** What the filters narrow to, in words, for the folded summary. */
function activeSummary(cats: Category[]): string {
  const f = filters();
  const parts = [
    f.text.trim() && `“${f.text.trim()}”`,
    f.status && statusLabel(f.status),
    f.categoryId && (cats.find((c) => c.id === f.categoryId)?.name ?? f.categoryId),
    f.departmentId && departmentName(f.departmentId),
    f.areaId && areaName(f.areaId),
    f.assignee && t(f.assignee === "ME" ? "assignedToMe" : "unassigned"),
    f.overdue && t("overdueOnly"),
    f.reopened && t("reopenedOnly"),
    f.hidden && t("showHidden"),
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : t("noFilters");
}

export interface FilterHost {
  cats: Category[];
  open: boolean;
  setFilter(name: keyof Filters, value: string | boolean): void;
  reset(): void;
  toggleOpen(open: boolean): void;
}

export function filtersView(host: FilterHost) {
  const f = filters();
  const scope = staffScope();
  const change = (name: keyof Filters) => (event: Event) => {
    const input = event.target as HTMLInputElement;
    host.setFilter(name, input.type === "checkbox" ? input.checked : input.value);
  };
  const option = (value: string, label: string, selected: string) =>
    html`<option value=${value} ?selected=${value === selected}>${label}</option>`;
  // Staff see their own department only (the API refuses any other): no other choice is offered.
  const depts = scope.department ? departments().filter((d) => d.id === scope.department) : departments();
  return html`<details class="filters-box" ?open=${host.open}
      @toggle=${(e: Event) => host.toggleOpen((e.target as HTMLDetailsElement).open)}>
    <summary><span class="summary-title">${t("filters")}</span> <span class="summary-active">${activeSummary(host.cats)}</span></summary>
    <form class="filters" @submit=${(e: Event) => e.preventDefault()} aria-label=${t("filters")}>
      <div class="field">
        <label for="q-text">${t("search")}</label>
        <input id="q-text" type="search" .value=${f.text} @change=${change("text")} />
      </div>
      <div class="field">
        <label for="q-status">${t("status")}</label>
        <select id="q-status" @change=${change("status")}>
          ${option("", t("any"), f.status)} ${STATUSES.map((s) => option(s, statusLabel(s), f.status))}
        </select>
      </div>
      <div class="field">
        <label for="q-category">${t("category")}</label>
        <select id="q-category" @change=${change("categoryId")}>
          ${option("", t("any"), f.categoryId)} ${host.cats.map((c) => option(c.id, c.name, f.categoryId))}
        </select>
      </div>
      <div class="field">
        <label for="q-department">${t("department")}</label>
        <select id="q-department" @change=${change("departmentId")}>
          ${scope.department ? "" : option("", t("any"), f.departmentId)} ${depts.map((d) => option(d.id, d.name, f.departmentId))}
        </select>
      </div>
      <div class="field">
        <label for="q-area">${t("area")}</label>
        <select id="q-area" @change=${change("areaId")}>
          ${option("", t("any"), f.areaId)}
          ${pickableAreaGroups().map(
            (g) => html`<optgroup label=${t(g.type === "ward" ? "wards" : "communes")}>
              ${g.areas.map((a) => option(a.id, a.name, f.areaId))}
            </optgroup>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="q-assignee">${t("assignee")}</label>
        <select id="q-assignee" @change=${change("assignee")}>
          ${option("", t("anyone"), f.assignee)} ${option("ME", t("assignedToMe"), f.assignee)}
          ${option("NONE", t("unassigned"), f.assignee)}
        </select>
      </div>
      <div class="field">
        <label for="q-from">${t("createdFrom")}</label>
        <input id="q-from" type="date" .value=${f.createdFrom} @change=${change("createdFrom")} />
      </div>
      <div class="field">
        <label for="q-to">${t("createdTo")}</label>
        <input id="q-to" type="date" .value=${f.createdTo} @change=${change("createdTo")} />
      </div>
      <div class="field">
        <label for="q-sort">${t("sortBy")}</label>
        <select id="q-sort" @change=${change("sort")}>
          ${option("URGENCY", t("sortUrgency"), f.sort)} ${option("SLA_DUE_AT", t("sortSla"), f.sort)}
          ${option("CREATED_AT", t("sortCreated"), f.sort)} ${option("ME_TOO_COUNT", t("sortMeToo"), f.sort)}
        </select>
      </div>
      <div class="field">
        <label for="q-direction">${t("direction")}</label>
        <select id="q-direction" ?disabled=${f.sort === "URGENCY"} @change=${change("direction")}>
          ${option("ASC", t("asc"), f.direction)} ${option("DESC", t("desc"), f.direction)}
        </select>
      </div>
      <div class="checks">
        <label><input type="checkbox" .checked=${f.overdue} @change=${change("overdue")} /> ${t("overdueOnly")}</label>
        <label><input type="checkbox" .checked=${f.reopened} @change=${change("reopened")} /> ${t("reopenedOnly")}</label>
        <label><input type="checkbox" .checked=${f.hidden} @change=${change("hidden")} /> ${t("showHidden")}</label>
      </div>
      <div class="buttons">
        <button type="button" class="secondary" @click=${() => host.reset()}>${t("reset")}</button>
      </div>
    </form>
  </details>`;
}
