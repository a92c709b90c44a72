// The moderation queue: filters and sorts of moderationQueue, SLA badges, keyboard navigation,
// bulk status, and a refresh every 15 s.
//
// Polling rather than a subscription: the API serves GraphQL over plain HTTP only (no WebSocket
// transport), and a stateless poll works behind any load balancer with any number of web
// processes. One small query per moderator every 15 s is cheap for the database (index-served).
import { html, nothing } from "lit-html";
import { type Page, errorMessage, navigate, update } from "../app";
import { gql, type UserError } from "../api";
import {
  type Category,

  SETTABLE_STATUSES,
  STATUSES,
  areaGroups,
  categories,
  departments,
  slaState,
} from "../data";
import { enumLabel, formatTime, statusLabel, t } from "../i18n";
import { QUEUE, REPORTS_BULK_SET_STATUS } from "../operations";

const REFRESH_MS = 15_000;
const PAGE_SIZE = 50;

interface QueueRow {
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
}

interface QueueData {
  moderationQueue: {
    edges: { cursor: string; node: QueueRow }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

interface Filters {
  status: string;
  categoryId: string;
  departmentId: string;
  areaId: string;
  overdue: boolean;
  reopened: boolean;
  hidden: boolean;
  text: string;
  createdFrom: string;
  createdTo: string;
  sort: string;
  direction: string;
}

const DEFAULT_FILTERS: Filters = {
  status: "",
  categoryId: "",
  departmentId: "",
  areaId: "",
  overdue: false,
  reopened: false,
  hidden: false,
  text: "",
  createdFrom: "",
  createdTo: "",
  sort: "SLA_DUE_AT",
  direction: "ASC",
};

// Kept across visits to a report and back, like a mail client keeps its folder view.
let filters: Filters = { ...DEFAULT_FILTERS };
const checked = new Set<string>();

function dayStart(date: string, plusDays = 0): string {
  // Dates are picked in Hanoi's calendar (UTC+7, no daylight saving).
  const start = new Date(`${date}T00:00:00+07:00`);
  return new Date(start.getTime() + plusDays * 86_400_000).toISOString();
}

function queryFilter(): Record<string, unknown> {
  return {
    status: filters.status || null,
    categoryId: filters.categoryId || null,
    departmentId: filters.departmentId || null,
    areaId: filters.areaId || null,
    overdue: filters.overdue || null,
    reopened: filters.reopened || null,
    hidden: filters.hidden,
    text: filters.text.trim() || null,
    createdFrom: filters.createdFrom ? dayStart(filters.createdFrom) : null,
    createdTo: filters.createdTo ? dayStart(filters.createdTo, 1) : null,
  };
}

export function slaBadge(report: Parameters<typeof slaState>[0]) {
  const sla = slaState(report);
  if (!sla) return html`<span class="muted">—</span>`;
  const label = sla.kind === "overdue" ? t("slaOverdue") : sla.kind === "soon" ? t("slaSoon") : t("slaOk");
  return html`<span class="badge sla-${sla.kind}" title=${t("slaDueAt", { time: formatTime(sla.due) })}
    >${label}<span class="sr-only">, ${t("slaDueAt", { time: formatTime(sla.due) })}</span></span
  >`;
}

export function statusBadge(status: string) {
  return html`<span class="badge status status-${status.toLowerCase()}">${statusLabel(status)}</span>`;
}

export class QueuePage implements Page {
  private rows: QueueRow[] = [];
  private pageInfo = { hasNextPage: false, endCursor: null as string | null };
  private current = 0;
  private loading = false;
  private error = "";
  private updatedAt: string | null = null;
  private cats: Category[] = [];
  private timer: number | undefined;
  private bulkStatus = "ACKNOWLEDGED";
  private bulkNote = "";
  private bulkMessage = "";
  private bulkErrors: { reportId: string; errors: UserError[] }[] = [];
  private bulkBusy = false;
  private focusPending = false;
  // Loads can overlap (a filter change while a refresh is in flight): only the latest may land.
  private generation = 0;
  private readonly onKey = (event: KeyboardEvent) => this.key(event);
  private readonly onVisibility = () => {
    if (!document.hidden) void this.load();
  };

  constructor() {
    void categories().then((c) => {
      this.cats = c;
      update();
    });
    void this.load();
    this.timer = window.setInterval(() => {
      if (!document.hidden && !this.loading) void this.load(true);
    }, REFRESH_MS);
    document.addEventListener("keydown", this.onKey);
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  unmount(): void {
    window.clearInterval(this.timer);
    document.removeEventListener("keydown", this.onKey);
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  private async load(refresh = false): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    if (!refresh) update();
    try {
      // A refresh reloads what is on screen (up to the API's limit of 100), not just page one.
      const first = refresh ? Math.min(100, Math.max(PAGE_SIZE, this.rows.length)) : PAGE_SIZE;
      const data = await gql<QueueData>(QUEUE, {
        filter: queryFilter(),
        sort: { field: filters.sort, direction: filters.direction },
        first,
      });
      if (generation !== this.generation) return;
      const selectedId = this.rows[this.current]?.id;
      this.rows = data.moderationQueue.edges.map((e) => e.node);
      this.pageInfo = data.moderationQueue.pageInfo;
      const kept = this.rows.findIndex((r) => r.id === selectedId);
      this.current = kept >= 0 ? kept : Math.min(this.current, Math.max(0, this.rows.length - 1));
      this.error = "";
      this.updatedAt = new Date().toISOString();
    } catch (error) {
      if (generation === this.generation) this.error = errorMessage(error);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        update();
      }
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.pageInfo.endCursor) return;
    const generation = ++this.generation;
    this.loading = true;
    update();
    try {
      const data = await gql<QueueData>(QUEUE, {
        filter: queryFilter(),
        sort: { field: filters.sort, direction: filters.direction },
        first: PAGE_SIZE,
        after: this.pageInfo.endCursor,
      });
      if (generation !== this.generation) return;
      this.rows = [...this.rows, ...data.moderationQueue.edges.map((e) => e.node)];
      this.pageInfo = data.moderationQueue.pageInfo;
    } catch (error) {
      if (generation === this.generation) this.error = errorMessage(error);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        update();
      }
    }
  }

  private setFilter(name: keyof Filters, value: string | boolean): void {
    filters = { ...filters, [name]: value };
    this.current = 0;
    void this.load();
  }

  private key(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target as HTMLElement;
    if (target.closest("input, select, textarea, button")) return;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      const step = event.key === "j" ? 1 : -1;
      this.current = Math.min(Math.max(0, this.current + step), Math.max(0, this.rows.length - 1));
      this.focusPending = true;
      update();
    } else if (event.key === "Enter" && !target.closest("a")) {
      const row = this.rows[this.current];
      if (row) navigate(`#/report/${row.id}`);
    } else if (event.key === "x") {
      const row = this.rows[this.current];
      if (row) {
        this.toggle(row.id);
        this.focusPending = true;
      }
    } else if (event.key === "/") {
      event.preventDefault();
      document.querySelector<HTMLInputElement>("#q-text")?.focus();
    }
  }

  afterRender(): void {
    if (!this.focusPending) return;
    this.focusPending = false;
    document.querySelector<HTMLElement>(`#row-${this.current} a.open`)?.focus();
  }

  private toggle(id: string): void {
    if (checked.has(id)) checked.delete(id);
    else checked.add(id);
    update();
  }

  private async bulk(event: Event): Promise<void> {
    event.preventDefault();
    if (!checked.size) return;
    this.bulkBusy = true;
    update();
    try {
      const data = await gql<{
        reportsBulkSetStatus: {
          results: { reportId: string; ok: boolean; errors: UserError[] }[];
          errors: UserError[];
        };
      }>(REPORTS_BULK_SET_STATUS, {
        input: { reportIds: [...checked], status: this.bulkStatus, publicNote: this.bulkNote || null },
      });
      const payload = data.reportsBulkSetStatus;
      if (payload.errors.length) {
        this.bulkMessage = payload.errors.map((e) => e.message).join(" ");
        this.bulkErrors = [];
      } else {
        const failed = payload.results.filter((r) => !r.ok);
        this.bulkMessage = t("bulkResults", { ok: payload.results.length - failed.length, failed: failed.length });
        this.bulkErrors = failed.map((r) => ({ reportId: r.reportId, errors: r.errors }));
        payload.results.filter((r) => r.ok).forEach((r) => checked.delete(r.reportId));
        this.bulkNote = "";
      }
    } catch (error) {
      this.bulkMessage = errorMessage(error);
    } finally {
      this.bulkBusy = false;
      await this.load();
    }
  }

  private filtersView() {
    const change = (name: keyof Filters) => (event: Event) => {
      const input = event.target as HTMLInputElement;
      this.setFilter(name, input.type === "checkbox" ? input.checked : input.value);
    };
    const option = (value: string, label: string, selected: string) =>
      html`<option value=${value} ?selected=${value === selected}>${label}</option>`;
    return html`<form class="filters" @submit=${(e: Event) => e.preventDefault()} aria-labelledby="filters-title">
      <h2 id="filters-title" class="sr-only">${t("filters")}</h2>
      <div class="field">
        <label for="q-text">${t("search")}</label>
        <input id="q-text" type="search" .value=${filters.text} @change=${change("text")} />
      </div>
      <div class="field">
        <label for="q-status">${t("status")}</label>
        <select id="q-status" @change=${change("status")}>
          ${option("", t("any"), filters.status)} ${STATUSES.map((s) => option(s, statusLabel(s), filters.status))}
        </select>
      </div>
      <div class="field">
        <label for="q-category">${t("category")}</label>
        <select id="q-category" @change=${change("categoryId")}>
          ${option("", t("any"), filters.categoryId)} ${this.cats.map((c) => option(c.id, c.name, filters.categoryId))}
        </select>
      </div>
      <div class="field">
        <label for="q-department">${t("department")}</label>
        <select id="q-department" @change=${change("departmentId")}>
          ${option("", t("any"), filters.departmentId)}
          ${departments().map((d) => option(d.id, d.name, filters.departmentId))}
        </select>
      </div>
      <div class="field">
        <label for="q-area">${t("area")}</label>
        <select id="q-area" @change=${change("areaId")}>
          ${option("", t("any"), filters.areaId)}
          ${areaGroups().map(
            (g) => html`<optgroup label=${t(g.type === "ward" ? "wards" : "communes")}>
              ${g.areas.map((a) => option(a.id, a.name, filters.areaId))}
            </optgroup>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="q-from">${t("createdFrom")}</label>
        <input id="q-from" type="date" .value=${filters.createdFrom} @change=${change("createdFrom")} />
      </div>
      <div class="field">
        <label for="q-to">${t("createdTo")}</label>
        <input id="q-to" type="date" .value=${filters.createdTo} @change=${change("createdTo")} />
      </div>
      <div class="field">
        <label for="q-sort">${t("sortBy")}</label>
        <select id="q-sort" @change=${change("sort")}>
          ${option("SLA_DUE_AT", t("sortSla"), filters.sort)} ${option("CREATED_AT", t("sortCreated"), filters.sort)}
          ${option("ME_TOO_COUNT", t("sortMeToo"), filters.sort)}
        </select>
      </div>
      <div class="field">
        <label for="q-direction">${t("direction")}</label>
        <select id="q-direction" @change=${change("direction")}>
          ${option("ASC", t("asc"), filters.direction)} ${option("DESC", t("desc"), filters.direction)}
        </select>
      </div>
      <div class="checks">
        <label><input type="checkbox" .checked=${filters.overdue} @change=${change("overdue")} /> ${t("overdueOnly")}</label>
        <label><input type="checkbox" .checked=${filters.reopened} @change=${change("reopened")} /> ${t("reopenedOnly")}</label>
        <label><input type="checkbox" .checked=${filters.hidden} @change=${change("hidden")} /> ${t("showHidden")}</label>
      </div>
      <div class="buttons">
        <button type="button" class="secondary" @click=${() => {
          filters = { ...DEFAULT_FILTERS };
          void this.load();
        }}>${t("reset")}</button>
      </div>
    </form>`;
  }

  private bulkView() {
    if (!checked.size && !this.bulkMessage) return nothing;
    return html`<form class="bulk panel" @submit=${(e: Event) => this.bulk(e)} aria-labelledby="bulk-title">
      <h2 id="bulk-title">${t("bulkTitle")} · ${t("bulkSelected", { count: checked.size })}</h2>
      <div class="row">
        <div class="field">
          <label for="bulk-status">${t("bulkStatus")}</label>
          <select id="bulk-status" @change=${(e: Event) => (this.bulkStatus = (e.target as HTMLSelectElement).value)}>
            ${SETTABLE_STATUSES.map((s) => html`<option value=${s} ?selected=${s === this.bulkStatus}>${statusLabel(s)}</option>`)}
          </select>
        </div>
        <div class="field grow">
          <label for="bulk-note">${t("bulkNote")}</label>
          <input id="bulk-note" .value=${this.bulkNote} @input=${(e: Event) => (this.bulkNote = (e.target as HTMLInputElement).value)} />
        </div>
        <div class="buttons">
          <button type="submit" ?disabled=${!checked.size || this.bulkBusy}>${t("bulkApply")}</button>
          <button type="button" class="secondary" @click=${() => {
            checked.clear();
            this.bulkMessage = "";
            this.bulkErrors = [];
            update();
          }}>${t("bulkClear")}</button>
        </div>
      </div>
      <div role="status" class="message">${this.bulkMessage}</div>
      ${this.bulkErrors.length
        ? html`<ul class="errors">
            ${this.bulkErrors.map((line) => html`<li><code>${line.reportId}</code>: ${line.errors.map((e) => e.message).join(" ")}</li>`)}
          </ul>`
        : nothing}
    </form>`;
  }

  private rowView(row: QueueRow, index: number) {
    const lockHeld = row.lockedBy && row.lockedUntil && new Date(row.lockedUntil).getTime() > Date.now();
    return html`<tr id="row-${index}" class=${index === this.current ? "current" : ""} @click=${() => {
      this.current = index;
      update();
    }}>
      <td>
        <input type="checkbox" aria-label=${t("selectReport", { id: row.id })} .checked=${checked.has(row.id)}
          @change=${() => this.toggle(row.id)} />
      </td>
      <td>${slaBadge(row)}</td>
      <td>${statusBadge(row.status)}${row.hidden ? html` <span class="badge hidden-badge">${t("hidden")}</span>` : nothing}</td>
      <td>${row.priority === "NORMAL" ? enumLabel(row.priority) : html`<strong>${enumLabel(row.priority)}</strong>`}</td>
      <td>${row.category?.name ?? "—"}</td>
      <td>${row.area?.name ?? "—"}</td>
      <td class="description"><a class="open" href="#/report/${row.id}">${row.description.slice(0, 140) || row.id}</a></td>
      <td class="num">${row.meTooCount}</td>
      <td>${lockHeld ? html`<span class="lock">🔒 ${row.lockedBy?.displayName ?? t("someone")}</span>` : "—"}</td>
      <td><time datetime=${row.createdAt}>${formatTime(row.createdAt)}</time></td>
    </tr>`;
  }

  view() {
    return html`<h1 tabindex="-1">${t("queueTitle")}</h1>
      ${this.filtersView()}
      <p class="help">${t("keyboardHelp")}</p>
      <p class="help" role="status">
        ${this.updatedAt ? t("refreshNote", { time: formatTime(this.updatedAt) }) : t("loading")}
        <button type="button" class="link" @click=${() => this.load()}>${t("refreshNow")}</button>
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.bulkView()}
      <div class="table-wrap">
        <table class="queue" aria-busy=${this.loading ? "true" : "false"}>
          <caption class="sr-only">${t("queueTitle")}: ${t("reportsShown", { count: this.rows.length })}</caption>
          <thead>
            <tr>
              <th scope="col"><span class="sr-only">${t("colSelect")}</span></th>
              <th scope="col">${t("colSla")}</th>
              <th scope="col">${t("colStatus")}</th>
              <th scope="col">${t("colPriority")}</th>
              <th scope="col">${t("colCategory")}</th>
              <th scope="col">${t("colArea")}</th>
              <th scope="col">${t("colDescription")}</th>
              <th scope="col">${t("colMeToo")}</th>
              <th scope="col">${t("colLock")}</th>
              <th scope="col">${t("colCreated")}</th>
            </tr>
          </thead>
          <tbody>
            ${this.rows.map((row, index) => this.rowView(row, index))}
          </tbody>
        </table>
      </div>
      ${!this.loading && !this.rows.length && !this.error ? html`<p class="empty">${t("noReports")}</p>` : nothing}
      <p class="count">${t("reportsShown", { count: this.rows.length })}</p>
      ${this.pageInfo.hasNextPage
        ? html`<button type="button" class="secondary" ?disabled=${this.loading} @click=${() => this.loadMore()}>${t("loadMore")}</button>`
        : nothing}`;
  }
}

