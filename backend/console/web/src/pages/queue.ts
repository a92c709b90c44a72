// The moderation queue: filters and sorts of moderationQueue, SLA badges, keyboard navigation,
// bulk status, and a refresh every 15 s.
//
// Polling rather than a subscription: the API serves GraphQL over plain HTTP only (no WebSocket
// transport), and a stateless poll works behind any load balancer with any number of web
// processes. One small query per moderator every 15 s is cheap for the database (index-served).
import { html, nothing } from "lit-html";
import { type Page, errorMessage, navigate, update } from "../app";
import { ApiError, download, gql, type UserError } from "../api";
import { type Category, SETTABLE_STATUSES, categories } from "../data";
import { formatTime, statusLabel, t } from "../i18n";
import { QUEUE, REPORTS_BULK_SET_STATUS } from "../operations";
import { isStaff, unitName } from "../session";
import { type Filters, filtersView, queryFilter, querySort, setFilters } from "./queue-filters";
import { QueueMap, mapNote } from "./queue-map";
import { type QueueRow, headView, rememberOrder, rowView } from "./queue-rows";
import { retryView } from "./retry";

const REFRESH_MS = 15_000;
const PAGE_SIZE = 50;

interface QueueData {
  moderationQueue: {
    edges: { cursor: string; node: QueueRow }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const checked = new Set<string>();
// Open on a wide screen; folded on a phone, where the list matters more than the filters.
let filtersOpen = window.matchMedia("(min-width: 700px)").matches;
let showMap = false;

export class QueuePage implements Page {
  private rows: QueueRow[] = [];
  private pageInfo = { hasNextPage: false, endCursor: null as string | null };
  current = 0;
  private loading = false;
  private error = "";
  private offline = false;
  private readonly map = new QueueMap();
  private tilesFailed = false;
  private exporting = false;
  private exportMessage = "";
  cats: Category[] = [];
  private updatedAt: string | null = null;
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
    this.map.remove();
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
        sort: querySort(),
        first,
      });
      if (generation !== this.generation) return;
      const selectedId = this.rows[this.current]?.id;
      this.rows = this.ordered(data.moderationQueue.edges.map((e) => e.node));
      this.pageInfo = data.moderationQueue.pageInfo;
      const kept = this.rows.findIndex((r) => r.id === selectedId);
      this.current = kept >= 0 ? kept : Math.min(this.current, Math.max(0, this.rows.length - 1));
      this.error = "";
      this.offline = false;
      this.updatedAt = new Date().toISOString();
    } catch (error) {
      if (generation === this.generation) this.failed(error);
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
        sort: querySort(),
        first: PAGE_SIZE,
        after: this.pageInfo.endCursor,
      });
      if (generation !== this.generation) return;
      this.rows = this.ordered([...this.rows, ...data.moderationQueue.edges.map((e) => e.node)]);
      this.pageInfo = data.moderationQueue.pageInfo;
    } catch (error) {
      if (generation === this.generation) this.failed(error);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        update();
      }
    }
  }

  /** The whole filter as CSV, streamed by the server (GET /console/export.csv). */
  private async exportCsv(): Promise<void> {
    this.exporting = true;
    this.exportMessage = t("exporting");
    update();
    try {
      this.exportMessage = t("exported", { name: await download("/console/export.csv", queryFilter()) });
    } catch (error) {
      this.exportMessage = errorMessage(error);
    } finally {
      this.exporting = false;
      update();
    }
  }

  private failed(error: unknown): void {
    this.error = errorMessage(error);
    this.offline = error instanceof ApiError && error.isNetwork;
  }

  /** In the API's order (URGENCY is ordered by the server across pages); remembered for "next report". */
  private ordered(rows: QueueRow[]): QueueRow[] {
    rememberOrder(rows.map((r) => r.id));
    return rows;
  }

  get open(): boolean {
    return filtersOpen;
  }

  toggleOpen(open: boolean): void {
    if (open === filtersOpen) return;
    filtersOpen = open;
    update();
  }

  setFilter(name: keyof Filters, value: string | boolean): void {
    setFilters({ [name]: value });
    this.current = 0;
    void this.load();
  }

  reset(): void {
    setFilters(null);
    this.current = 0;
    void this.load();
  }

  select(index: number): void {
    this.current = index;
    update();
  }

  get checked(): Set<string> {
    return checked;
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
      filtersOpen = true;
      update();
      document.querySelector<HTMLInputElement>("#q-text")?.focus();
    }
  }

  afterRender(): void {
    const element = document.getElementById("queue-map");
    if (showMap && element) {
      this.map.show(element, this.rows, () => {
        this.tilesFailed = true;
        update();
      });
    } else this.map.remove();
    if (!this.focusPending) return;
    this.focusPending = false;
    document.querySelector<HTMLElement>(`#row-${this.current} a.open`)?.focus();
  }

  toggle(id: string): void {
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

  view() {
    const unit = isStaff() ? unitName() : null;
    const initial = this.loading && !this.updatedAt;
    return html`<h1 tabindex="-1">${unit ? t("staffQueueTitle", { unit }) : t("queueTitle")}</h1>
      ${filtersView(this)}
      <p class="help keys">${t("keyboardHelp")}</p>
      <p class="help" role="status">
        ${this.loading ? html`<span class="spinner" aria-hidden="true"></span> ${t("loading")}` : this.updatedAt ? t("refreshNote", { time: formatTime(this.updatedAt) }) : nothing}
        <button type="button" class="link" @click=${() => this.load()}>${t("refreshNow")}</button>
      </p>
      ${this.offline ? retryView(this.error, () => this.load()) : this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.bulkView()}
      <p class="view-switch">
        <button type="button" class="secondary" aria-pressed=${showMap ? "true" : "false"}
          @click=${() => {
            showMap = !showMap;
            update();
          }}>${showMap ? t("hideMap") : t("showMap")}</button>
        <button type="button" class="secondary" ?disabled=${this.exporting} @click=${() => this.exportCsv()}>${t("exportCsv")}</button>
        <span role="status">${this.exportMessage}</span>
      </p>
      ${showMap
        ? html`<section id="queue-map-box" aria-labelledby="queue-map-title">
            <h2 id="queue-map-title" class="sr-only">${t("queueMap")}</h2>
            <div id="queue-map" class="map queue-map" role="region" aria-label=${t("queueMap")}></div>
            <p class="help">${mapNote(this.rows.length, this.pageInfo.hasNextPage)}
              ${this.tilesFailed ? t("tilesFailedShort") : ""}</p>
          </section>`
        : nothing}
      <div class="table-wrap">
        <table class="queue" aria-busy=${this.loading ? "true" : "false"}>
          <caption class="sr-only">${t("queueTitle")}: ${t("reportsShown", { count: this.rows.length })}</caption>
          ${headView()}
          <tbody>
            ${this.rows.map((row, index) => rowView(row, index, this))}
          </tbody>
        </table>
      </div>
      ${initial ? html`<p class="loading-rows" aria-hidden="true">${t("loading")}</p>` : nothing}
      ${!this.loading && !this.rows.length && !this.error ? html`<p class="empty">${t("noReports")}</p>` : nothing}
      <p class="count">${t("reportsShown", { count: this.rows.length })}</p>
      ${this.pageInfo.hasNextPage
        ? html`<button type="button" class="secondary" ?disabled=${this.loading} @click=${() => this.loadMore()}>${t("loadMore")}</button>`
        : nothing}`;
  }
}
