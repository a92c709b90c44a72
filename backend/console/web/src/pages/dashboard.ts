// reportStats for a chosen period as charts: counts, times, share within SLA per department and area.
import { html, nothing } from "lit-html";
import { type Page, errorMessage, update } from "../app";
import { ApiError, gql } from "../api";
import { barChart, percent } from "../charts";
import { type Category, STATUSES, areaName, categories, departments } from "../data";
import { formatNumber, statusLabel, t } from "../i18n";
import { STATS } from "../operations";
import { pickableAreaGroups, staffScope, unitName } from "../session";
import { retryView } from "./retry";

interface Stats {
  total: number;
  byStatus: { key: string; count: number }[];
  byCategory: { key: string; count: number }[];
  byArea: { key: string; count: number }[];
  acknowledgeMedianSeconds: number | null;
  acknowledgeP90Seconds: number | null;
  resolveMedianSeconds: number | null;
  resolveP90Seconds: number | null;
  acknowledgedWithinSla: number | null;
  resolvedWithinSla: number | null;
  reopenRate: number | null;
  averageRating: number | null;
}

const PERIODS = { last7: 7, last30: 30, last90: 90, last365: 365 } as const;
type Period = keyof typeof PERIODS;

let period: Period = "last30";
let scope = { areaId: "", departmentId: "", categoryId: "" };
let scopeOwner: string | null = null;

/** The statistics' scope; a staff member's starts at (and stays within) their own unit. */
function currentScope(): typeof scope {
  const staff = staffScope();
  const key = JSON.stringify(staff);
  if (scopeOwner !== key) {
    scope = { areaId: staff.areas.length === 1 ? staff.areas[0] : "", departmentId: staff.department ?? "", categoryId: "" };
    scopeOwner = key;
  }
  return scope;
}

async function stats(filter: Record<string, unknown>): Promise<Stats> {
  return (await gql<{ reportStats: Stats }>(STATS, { filter })).reportStats;
}

export class DashboardPage implements Page {
  private stats: Stats | null = null;
  private byDepartment: { id: string; name: string; stats: Stats }[] = [];
  private byArea: { id: string; stats: Stats }[] = [];
  private cats: Category[] = [];
  private loading = true;
  private error = "";
  private offline = false;
  private generation = 0;

  constructor() {
    void categories().then((c) => {
      this.cats = c;
      update();
    });
    void this.load();
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    update();
    const scope = currentScope();
    const to = new Date();
    const from = new Date(to.getTime() - PERIODS[period] * 86_400_000);
    const base = {
      from: from.toISOString(),
      to: to.toISOString(),
      areaId: scope.areaId || null,
      departmentId: scope.departmentId || null,
      categoryId: scope.categoryId || null,
    };
    try {
      const overall = await stats(base);
      // reportStats answers for one scope, so the per-department and per-area SLA shares are one
      // call each (a handful of departments; only the areas that have reports in the period).
      const depts = scope.departmentId ? departments().filter((d) => d.id === scope.departmentId) : departments();
      const areaIds = overall.byArea.map((a) => a.key);
      const [deptStats, areaStats] = await Promise.all([
        Promise.all(depts.map(async (d) => ({ ...d, stats: await stats({ ...base, departmentId: d.id }) }))),
        Promise.all(areaIds.map(async (id) => ({ id, stats: await stats({ ...base, areaId: id }) }))),
      ]);
      if (generation !== this.generation) return;
      this.stats = overall;
      this.byDepartment = deptStats.filter((d) => d.stats.total > 0);
      this.byArea = areaStats;
      this.error = "";
      this.offline = false;
    } catch (error) {
      if (generation === this.generation) {
        this.error = errorMessage(error);
        this.offline = error instanceof ApiError && error.isNetwork;
      }
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        update();
      }
    }
  }

  private hours(seconds: number | null): { value: number | null; display: string } {
    if (seconds === null) return { value: null, display: "—" };
    const hours = seconds / 3600;
    return { value: hours, display: t("hours", { n: formatNumber(hours, 1) }) };
  }

  private controls() {
    const chosen = currentScope();
    const staff = staffScope();
    // Staff may see their own department only (the API refuses any other).
    const depts = staff.department ? departments().filter((d) => d.id === staff.department) : departments();
    const change = (apply: (value: string) => void) => (event: Event) => {
      apply((event.target as HTMLSelectElement).value);
      void this.load();
    };
    return html`<form class="filters" @submit=${(e: Event) => e.preventDefault()}>
      <div class="field">
        <label for="d-period">${t("period")}</label>
        <select id="d-period" @change=${change((v) => (period = v as Period))}>
          ${(Object.keys(PERIODS) as Period[]).map((p) => html`<option value=${p} ?selected=${p === period}>${t(p)}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="d-area">${t("area")}</label>
        <select id="d-area" @change=${change((v) => (scope = { ...currentScope(), areaId: v }))}>
          <option value="">${t("any")}</option>
          ${pickableAreaGroups().map(
            (g) => html`<optgroup label=${t(g.type === "ward" ? "wards" : "communes")}>
              ${g.areas.map((a) => html`<option value=${a.id} ?selected=${a.id === chosen.areaId}>${a.name}</option>`)}
            </optgroup>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="d-department">${t("department")}</label>
        <select id="d-department" @change=${change((v) => (scope = { ...currentScope(), departmentId: v }))}>
          ${staff.department ? nothing : html`<option value="">${t("any")}</option>`}
          ${depts.map((d) => html`<option value=${d.id} ?selected=${d.id === chosen.departmentId}>${d.name}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="d-category">${t("category")}</label>
        <select id="d-category" @change=${change((v) => (scope = { ...currentScope(), categoryId: v }))}>
          <option value="">${t("any")}</option>
          ${this.cats.map((c) => html`<option value=${c.id} ?selected=${c.id === chosen.categoryId}>${c.name}</option>`)}
        </select>
      </div>
    </form>`;
  }

  view() {
    const s = this.stats;
    const categoryName = (id: string) => this.cats.find((c) => c.id === id)?.name ?? id;
    const statusCounts = new Map(s?.byStatus.map((b) => [b.key, b.count]) ?? []);
    const unit = unitName();
    return html`<h1 tabindex="-1">${unit ? t("staffDashboardTitle", { unit }) : t("dashboardTitle")}</h1>
      ${this.controls()}
      ${this.offline ? retryView(this.error, () => this.load()) : this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${!s
        ? this.error ? nothing : html`<p role="status">${t("loading")}</p>`
        : html`<div class="kpis" aria-busy=${this.loading ? "true" : "false"}>
              <div class="kpi"><span class="kpi-value">${formatNumber(s.total)}</span><span>${t("total")}</span></div>
              <div class="kpi"><span class="kpi-value">${percent(s.acknowledgedWithinSla)}</span><span>${t("ackWithinSla")}</span></div>
              <div class="kpi"><span class="kpi-value">${percent(s.resolvedWithinSla)}</span><span>${t("resolvedWithinSla")}</span></div>
              <div class="kpi"><span class="kpi-value">${percent(s.reopenRate)}</span><span>${t("reopenRate")}</span></div>
              <div class="kpi"><span class="kpi-value">${s.averageRating === null ? "—" : `${formatNumber(s.averageRating, 1)} ★`}</span><span>${t("averageRating")}</span></div>
            </div>
            <div class="charts">
              ${barChart(t("byStatus"), STATUSES.map((k) => ({ label: statusLabel(k), value: statusCounts.get(k) ?? 0 })))}
              ${barChart(t("byCategory"), s.byCategory.map((b) => ({ label: categoryName(b.key), value: b.count })))}
              ${barChart(t("byArea"), s.byArea.map((b) => ({ label: areaName(b.key), value: b.count })))}
              ${barChart(t("times"), [
                { label: t("ackMedian"), ...this.hours(s.acknowledgeMedianSeconds) },
                { label: t("ackP90"), ...this.hours(s.acknowledgeP90Seconds) },
                { label: t("resolveMedian"), ...this.hours(s.resolveMedianSeconds) },
                { label: t("resolveP90"), ...this.hours(s.resolveP90Seconds) },
              ])}
              ${barChart(
                `${t("slaByDepartment")} · ${t("resolvedWithinSla")}`,
                this.byDepartment.map((d) => ({ label: d.name, value: d.stats.resolvedWithinSla, display: percent(d.stats.resolvedWithinSla) })),
                1,
              )}
              ${barChart(
                `${t("slaByDepartment")} · ${t("ackWithinSla")}`,
                this.byDepartment.map((d) => ({ label: d.name, value: d.stats.acknowledgedWithinSla, display: percent(d.stats.acknowledgedWithinSla) })),
                1,
              )}
              ${barChart(
                `${t("slaByArea")} · ${t("resolvedWithinSla")}`,
                this.byArea.map((a) => ({ label: areaName(a.id), value: a.stats.resolvedWithinSla, display: percent(a.stats.resolvedWithinSla) })),
                1,
              )}
              ${barChart(
                `${t("slaByArea")} · ${t("ackWithinSla")}`,
                this.byArea.map((a) => ({ label: areaName(a.id), value: a.stats.acknowledgedWithinSla, display: percent(a.stats.acknowledgedWithinSla) })),
                1,
              )}
            </div>`}`;
  }
}
