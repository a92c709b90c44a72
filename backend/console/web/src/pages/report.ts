// One report: the facts first, then every moderation action, then its history (timelines, audit).
// On a phone the actions come before the long history, so they are reachable without scrolling
// past it; keyboard shortcuts reach them from anywhere on the page.
import { html, nothing } from "lit-html";
import type L from "leaflet";
import { type Page, errorMessage, navigate, update } from "../app";
import { ApiError, type UploadedPhoto, type UserError, gql } from "../api";
import { type Category, categories, slaState } from "../data";
import { enumLabel, formatTime, humanize, t } from "../i18n";
import { pointMap } from "../map";
import { CANNED_ANSWERS, NEARBY, REPORT, UNIT_STAFF } from "../operations";
import { nextInQueue, slaBadge, statusBadge } from "./queue-rows";
import { type AuditEntry, type People, auditView, personLabel, personWithUnit } from "./report-audit";
import { actionsView } from "./report-actions";
import { retryView } from "./retry";
import { syncViewer, thumbs, viewerView } from "./photo-viewer";

export interface Photo {
  id: string;
  url: string;
  thumbnailUrl: string;
}

interface TimelineEvent {
  kind: string;
  at: string;
  status: string | null;
  note: string | null;
  photos: Photo[];
}

export interface Person {
  id: string;
  displayName: string | null;
  /** Their unit in words (staff directory), when the API gives it. */
  unitName?: string | null;
}

/** A ready public answer of the report's category (kept by admins, in the viewer's language). */
export interface CannedAnswer {
  id: string;
  title: string;
  text: string;
}

/** Someone the report can go to (assignable: staff of its unit) or who watches it (moderators). */
export interface StaffOption {
  assignable: boolean;
  node: Person;
}

export interface Report {
  id: string;
  status: string;
  priority: string;
  description: string;
  address: string | null;
  locationIsApproximate: boolean;
  createdAt: string;
  updatedAt: string;
  slaDueAt: string | null;
  ackDueAt: string | null;
  resolveDueAt: string | null;
  meTooCount: number;
  followerCount: number;
  hidden: boolean;
  duplicateOf: string | null;
  lockedUntil: string | null;
  /** The statuses reportSetStatus accepts now (null for viewers who may not act on it). */
  allowedTransitions: string[] | null;
  department: { id: string; name: string } | null;
  location: { lat: number; lng: number };
  area: { id: string; name: string } | null;
  category: { id: string; name: string; department: string; duplicateRadiusMeters: number } | null;
  photos: Photo[];
  reporter: Person | null;
  lockedBy: Person | null;
  assignee: Person | null;
  assignedAt: string | null;
  rating: { stars: number; comment: string | null } | null;
  timeline: TimelineEvent[];
  internalTimeline: TimelineEvent[] | null;
  moderationOriginals: { description: string; editedBy: string; editedAt: string; photos: Photo[] }[] | null;
  /** Open reports of the same category nearby, up to 10 (null when the viewer may not act on it). */
  suspectedDuplicateCount: number | null;
  mergedDuplicates: { edges: { node: { id: string; status: string; createdAt: string; description: string } }[] };
}

export interface Candidate {
  distanceMeters: number;
  node: { id: string; status: string; description: string; createdAt: string; meTooCount: number; category: { name: string } | null };
}

type Payload = { report: { id: string } | null; errors: UserError[] };

/** Duplicates are looked for a little wider than the category's own radius: positions are rough. */
const MIN_MERGE_RADIUS = 200;

export class ReportPage implements Page {
  report: Report | null = null;
  audit: AuditEntry[] = [];
  candidates: Candidate[] = [];
  cats: Category[] = [];
  canned: CannedAnswer[] = [];
  staff: StaffOption[] = [];
  loading = true;
  error = "";
  offline = false;
  message = "";
  messageKind: "ok" | "error" = "ok";
  /** After a successful action: the next report of the queue, to move on without going back. */
  acted = false;
  busy = false;
  evidence: UploadedPhoto[] = [];
  uploading = false;
  mergeTarget: string | null = null;
  acknowledging = false;
  private map: L.Map | null = null;
  private mapElement: HTMLElement | null = null;
  private tilesFailed = false;
  private readonly onKey = (event: KeyboardEvent) => this.key(event);

  constructor(readonly id: string) {
    void categories().then((c) => {
      this.cats = c;
      update();
    });
    void this.load();
    document.addEventListener("keydown", this.onKey);
  }

  unmount(): void {
    this.map?.remove();
    document.removeEventListener("keydown", this.onKey);
  }

  get radius(): number {
    return Math.max(MIN_MERGE_RADIUS, this.report?.category?.duplicateRadiusMeters ?? 0);
  }

  get next(): string | null {
    return nextInQueue(this.id);
  }

  async load(): Promise<void> {
    try {
      const data = await gql<{ report: Report | null; auditLog: { edges: { node: AuditEntry }[] } }>(REPORT, { id: this.id });
      this.report = data.report;
      this.audit = data.auditLog.edges.map((e) => e.node);
      this.error = "";
      this.offline = false;
      if (this.report) {
        const nearby = await gql<{ reportsNearby: { edges: Candidate[] } }>(NEARBY, {
          near: this.report.location,
          radiusMeters: this.radius,
          first: 20,
        });
        this.candidates = nearby.reportsNearby.edges.filter(
          (c) => c.node.id !== this.id && c.node.status !== "DUPLICATE",
        );
        await this.loadHelpers(this.report);
      }
    } catch (error) {
      // Staff following a link to another unit's report: say so, not the API's technical refusal.
      const forbidden = error instanceof ApiError && error.code === "FORBIDDEN";
      this.error = forbidden ? t("notYourUnit") : errorMessage(error);
      this.offline = error instanceof ApiError && error.isNetwork;
      if (forbidden) this.report = null;
    } finally {
      this.loading = false;
      update();
    }
  }

  /** Canned answers of its category and the people it can go to: helpers, so a failure leaves
   * the page usable (empty lists) instead of failing it. */
  private async loadHelpers(r: Report): Promise<void> {
    if (r.allowedTransitions === null) return; // the viewer does not act on this report
    const [canned, staff] = await Promise.all([
      r.category
        ? gql<{ cannedAnswers: { edges: { node: CannedAnswer }[] } }>(CANNED_ANSWERS, { categoryId: r.category.id, first: 50 })
            .then((d) => d.cannedAnswers.edges.map((e) => e.node))
            .catch(() => [])
        : Promise.resolve([]),
      gql<{ unitStaff: { edges: StaffOption[] } | null }>(UNIT_STAFF, { reportId: r.id, first: 100 })
        .then((d) => d.unitStaff?.edges ?? [])
        .catch(() => []),
    ]);
    this.canned = canned;
    this.staff = staff;
  }

  afterRender(): void {
    syncViewer();
    const element = document.getElementById("report-map");
    if (!this.report || !element || element === this.mapElement) return;
    this.map?.remove();
    this.mapElement = element;
    const { lat, lng } = this.report.location;
    this.map = pointMap(element, lat, lng, () => {
      this.tilesFailed = true;
      update();
    });
  }

  /** Run a moderation mutation, show its outcome and reload the report. */
  async act(document: string, input: Record<string, unknown>, field: string): Promise<boolean> {
    this.busy = true;
    this.message = "";
    this.acted = false;
    update();
    let ok = false;
    try {
      const data = await gql<Record<string, Payload>>(document, { input });
      const payload = data[field];
      if (payload.errors.length) {
        this.messageKind = "error";
        this.message = payload.errors.map((e) => humanize(e.message)).join(" ");
      } else {
        this.messageKind = "ok";
        this.message = t("done");
        ok = true;
        this.acted = true;
      }
    } catch (error) {
      this.messageKind = "error";
      this.message = errorMessage(error);
    }
    this.busy = false;
    await this.load();
    return ok;
  }

  private key(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if ((event.target as HTMLElement).closest("input, select, textarea, button")) return;
    const focus = (selector: string) => {
      const element = document.querySelector<HTMLElement>(selector);
      if (!element) return;
      event.preventDefault();
      element.scrollIntoView({ block: "center" });
      element.focus();
    };
    if (event.key === "n" && this.next) navigate(`#/report/${this.next}`);
    else if (event.key === "q") navigate("#/queue");
    else if (event.key === "s") focus("#status-new");
    else if (event.key === "t") focus("#triage-category");
    else if (event.key === "l") focus("#take-lock");
    else if (event.key === "a") focus("#actions-title");
  }

  /** Names for the ids in the audit log: the people and categories this page already knows. */
  private people(r: Report): People {
    const known: People = new Map(this.cats.map((c) => [`category:${c.id}`, c.name]));
    const actors: Person[] = this.audit.flatMap((a) => (a.actorDetails ? [a.actorDetails] : []));
    for (const person of [r.reporter, r.lockedBy, r.assignee, ...actors])
      if (person?.displayName) known.set(person.id, person.unitName ? `${person.displayName} (${person.unitName})` : person.displayName);
    return known;
  }

  private timelineView(events: TimelineEvent[] | null, title: string, id: string) {
    return html`<section aria-labelledby=${id}>
      <h2 id=${id}>${title}</h2>
      ${events?.length
        ? html`<ol class="timeline">
            ${events.map(
              (e) => html`<li>
                <time datetime=${e.at}>${formatTime(e.at)}</time>
                <strong>${enumLabel(e.kind)}</strong>${e.status ? html` · ${statusBadge(e.status)}` : nothing}
                ${e.note ? html`<p class="note">${e.note}</p>` : nothing}
                ${e.photos.length ? thumbs(e.photos) : nothing}
              </li>`,
            )}
          </ol>`
        : html`<p class="muted">${t("noEvents")}</p>`}
    </section>`;
  }

  private factsView(r: Report) {
    return html`<dl class="facts">
      <dt>${t("category")}</dt><dd>${r.category?.name ?? "—"}</dd>
      <dt>${t("department")}</dt><dd>${r.department?.name ?? "—"}</dd>
      <dt>${t("area")}</dt><dd>${r.area?.name ?? "—"}</dd>
      <dt>${t("priority")}</dt><dd>${enumLabel(r.priority)}</dd>
      <dt>${t("assignee")}</dt><dd>${r.assignee ? personWithUnit(r.assignee) : t("unassigned")}</dd>
      <dt>${t("reporter")}</dt><dd>${r.reporter ? personLabel(r.reporter) : t("anonymous")}</dd>
      <dt>${t("created")}</dt><dd>${formatTime(r.createdAt)}</dd>
      <dt>${t("updated")}</dt><dd>${formatTime(r.updatedAt)}</dd>
      <dt>${t("meToo")}</dt><dd>${r.meTooCount}</dd>
      <dt>${t("followers")}</dt><dd>${r.followerCount}</dd>
      ${r.duplicateOf ? html`<dt>${t("duplicateOf")}</dt><dd><a href="#/report/${r.duplicateOf}">${r.duplicateOf}</a></dd>` : nothing}
      ${r.suspectedDuplicateCount
        ? html`<dt>${t("suspectedDuplicatesTerm")}</dt><dd class="duplicate-note">${t("suspectedDuplicates", { count: r.suspectedDuplicateCount })}</dd>`
        : nothing}
    </dl>
    ${r.mergedDuplicates.edges.length
      ? html`<section aria-labelledby="merged-title">
          <h2 id="merged-title">${t("mergedDuplicatesTitle")}</h2>
          <ul class="merged">${r.mergedDuplicates.edges.map(
            ({ node }) => html`<li><a href="#/report/${node.id}">${node.description.slice(0, 80) || node.id}</a>
              · <time datetime=${node.createdAt}>${formatTime(node.createdAt)}</time></li>`,
          )}</ul>
        </section>`
      : nothing}`;
  }

  private locationView(r: Report) {
    const { lat, lng } = r.location;
    return html`<section aria-labelledby="location-title">
      <h2 id="location-title">${t("location")}</h2>
      <p>${r.address ?? ""} (${lat.toFixed(5)}, ${lng.toFixed(5)}${r.locationIsApproximate ? `, ${t("approximate")}` : ""})</p>
      <div id="report-map" class="map" role="region" aria-label=${t("mapLabel")}></div>
      ${this.tilesFailed
        ? html`<p class="muted" role="status">${t("tilesFailed", { lat: lat.toFixed(5), lng: lng.toFixed(5) })}</p>`
        : nothing}
    </section>`;
  }

  private jumpToActions(): void {
    const heading = document.getElementById("actions-title");
    heading?.scrollIntoView({ block: "start" });
    heading?.focus();
  }

  view() {
    const r = this.report;
    if (this.loading) return html`<h1 tabindex="-1">${t("reportTitle")}</h1><p role="status">${t("loading")}</p>`;
    if (!r)
      return html`<h1 tabindex="-1">${t("reportTitle")}</h1>
        ${this.offline
          ? retryView(this.error, () => this.load())
          : html`<p class="error" role="alert">${this.error || t("notFound")}</p>`}
        <p><a href="#/queue">${t("backToQueue")}</a></p>`;
    const people = this.people(r);
    return html`<nav class="crumbs" aria-label=${t("reportNav")}>
        <a href="#/queue">← ${t("backToQueue")}</a>
        <button type="button" class="link jump" @click=${() => this.jumpToActions()}>${t("jumpToActions")}</button>
        ${this.next ? html`<a href="#/report/${this.next}">${t("nextReport")} →</a>` : nothing}
      </nav>
      <h1 tabindex="-1">${t("reportTitle")} <code>${r.id}</code> ${statusBadge(r.status)} ${slaState(r) ? slaBadge(r) : nothing}
        ${r.hidden ? html`<span class="badge hidden-badge">${t("hidden")}</span>` : nothing}</h1>
      <p class="help keys">${t("reportKeys")}</p>
      ${this.offline ? retryView(this.error, () => this.load()) : this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="report-layout">
        <div class="report-main">
          ${this.factsView(r)}
          <section aria-labelledby="description-title">
            <h2 id="description-title">${t("description")}</h2>
            <p class="description-text">${r.description}</p>
          </section>
          <section aria-labelledby="photos-title">
            <h2 id="photos-title">${t("photos")}</h2>
            ${r.photos.length ? thumbs(r.photos, "thumbs large") : html`<p class="muted">${t("noPhotos")}</p>`}
          </section>
          ${this.locationView(r)}
        </div>
        ${actionsView(this, r)}
        <div class="report-history">
          ${this.timelineView(r.timeline, t("publicTimeline"), "timeline-title")}
          ${this.timelineView(r.internalTimeline, t("internalNotes"), "internal-title")}
          ${r.moderationOriginals?.length
            ? html`<section aria-labelledby="originals-title">
                <h2 id="originals-title">${t("originals")}</h2>
                <ul>${r.moderationOriginals.map((o) => html`<li><time datetime=${o.editedAt}>${formatTime(o.editedAt)}</time>
                  ${personLabel({ id: o.editedBy, displayName: people.get(o.editedBy) ?? null })}: ${o.description}</li>`)}</ul>
              </section>`
            : nothing}
          ${auditView(this.audit, people)}
        </div>
      </div>
      ${viewerView()}`;
  }
}
