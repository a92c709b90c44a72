// One report: photos, position, timelines, audit trail, and every moderation action.
import { html, nothing } from "lit-html";
import type L from "leaflet";
import { type Page, errorMessage, update } from "../app";
import { type UploadedPhoto, type UserError, gql, uploadPhoto } from "../api";
import {
  type Category,
  CLOSED,
  PRIORITIES,
  categories,
  departments,
  slaState,
} from "../data";
import { enumLabel, formatNumber, formatTime, statusLabel, t } from "../i18n";
import { pointMap } from "../map";
import {
  NEARBY,
  REPORT,
  REPORT_EDIT,
  REPORT_HIDE,
  REPORT_LOCK,
  REPORT_MERGE,
  REPORT_SET_STATUS,
  REPORT_TRIAGE,
  REPORT_UNHIDE,
} from "../operations";
import { slaBadge, statusBadge } from "./queue";

interface Photo {
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

interface Report {
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
  reporter: { id: string; displayName: string | null } | null;
  lockedBy: { id: string; displayName: string | null } | null;
  rating: { stars: number; comment: string | null } | null;
  timeline: TimelineEvent[];
  internalTimeline: TimelineEvent[] | null;
  moderationOriginals: { description: string; editedBy: string; editedAt: string; photos: Photo[] }[] | null;
}

interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  reason: string | null;
  before: string | null;
  after: string | null;
  at: string;
}

interface Candidate {
  distanceMeters: number;
  node: { id: string; status: string; description: string; createdAt: string; meTooCount: number; category: { name: string } | null };
}

type Payload = { report: { id: string } | null; errors: UserError[] };

/** Duplicates are looked for a little wider than the category's own radius: positions are rough. */
const MIN_MERGE_RADIUS = 200;

export class ReportPage implements Page {
  private report: Report | null = null;
  private audit: AuditEntry[] = [];
  private candidates: Candidate[] = [];
  private cats: Category[] = [];
  private loading = true;
  private error = "";
  private message = "";
  private messageKind: "ok" | "error" = "ok";
  private busy = false;
  private map: L.Map | null = null;
  private mapElement: HTMLElement | null = null;
  private tilesFailed = false;
  private evidence: UploadedPhoto[] = [];
  private uploading = false;
  private mergeTarget: string | null = null;
  private acknowledging = false;

  constructor(private readonly id: string) {
    void categories().then((c) => {
      this.cats = c;
      update();
    });
    void this.load();
  }

  unmount(): void {
    this.map?.remove();
  }

  private get radius(): number {
    return Math.max(MIN_MERGE_RADIUS, this.report?.category?.duplicateRadiusMeters ?? 0);
  }

  private async load(): Promise<void> {
    try {
      const data = await gql<{ report: Report | null; auditLog: { edges: { node: AuditEntry }[] } }>(REPORT, { id: this.id });
      this.report = data.report;
      this.audit = data.auditLog.edges.map((e) => e.node);
      this.error = "";
      if (this.report) {
        const nearby = await gql<{ reportsNearby: { edges: Candidate[] } }>(NEARBY, {
          near: this.report.location,
          radiusMeters: this.radius,
          first: 20,
        });
        this.candidates = nearby.reportsNearby.edges.filter(
          (c) => c.node.id !== this.id && c.node.status !== "DUPLICATE",
        );
      }
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
      update();
    }
  }

  afterRender(): void {
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
  private async act(document: string, input: Record<string, unknown>, field: string): Promise<boolean> {
    this.busy = true;
    this.message = "";
    update();
    let ok = false;
    try {
      const data = await gql<Record<string, Payload>>(document, { input });
      const payload = data[field];
      if (payload.errors.length) {
        this.messageKind = "error";
        this.message = payload.errors.map((e) => e.message).join(" ");
      } else {
        this.messageKind = "ok";
        this.message = t("done");
        ok = true;
      }
    } catch (error) {
      this.messageKind = "error";
      this.message = errorMessage(error);
    }
    this.busy = false;
    await this.load();
    return ok;
  }

  private formValues(event: Event): FormData {
    event.preventDefault();
    return new FormData(event.target as HTMLFormElement);
  }

  private async triage(event: Event): Promise<void> {
    const formElement = event.target as HTMLFormElement;
    const form = this.formValues(event);
    const acknowledge = form.get("acknowledge") === "on";
    const ok = await this.act(
      REPORT_TRIAGE,
      {
        reportId: this.id,
        categoryId: form.get("categoryId") || null,
        departmentId: form.get("departmentId") || null,
        priority: form.get("priority") || null,
        acknowledge,
        publicNote: acknowledge ? String(form.get("publicNote") ?? "").trim() || null : null,
      },
      "reportTriage",
    );
    if (ok) {
      formElement.reset();
      this.acknowledging = false;
      update();
    }
  }

  private async setStatus(event: Event): Promise<void> {
    const formElement = event.target as HTMLFormElement;
    const form = this.formValues(event);
    const ok = await this.act(
      REPORT_SET_STATUS,
      {
        reportId: this.id,
        status: form.get("status"),
        publicNote: String(form.get("publicNote") ?? "").trim() || null,
        internalNote: String(form.get("internalNote") ?? "").trim() || null,
        photoIds: this.evidence.map((p) => p.id),
      },
      "reportSetStatus",
    );
    if (ok) {
      formElement.reset();
      this.evidence = [];
      update();
    }
  }

  private async upload(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    if (!files.length) return;
    this.uploading = true;
    this.message = "";
    update();
    try {
      for (const file of files) this.evidence = [...this.evidence, await uploadPhoto(file)];
      this.messageKind = "ok";
      this.message = t("uploaded");
    } catch (error) {
      this.messageKind = "error";
      this.message = t("uploadFailed", { message: errorMessage(error) });
    } finally {
      input.value = "";
      this.uploading = false;
      update();
    }
  }

  private async edit(event: Event): Promise<void> {
    const form = this.formValues(event);
    await this.act(
      REPORT_EDIT,
      {
        reportId: this.id,
        description: form.get("description"),
        photoIdsToHide: form.getAll("hidePhoto"),
        reason: String(form.get("reason") ?? "").trim() || null,
      },
      "reportEdit",
    );
  }

  private async hide(event: Event): Promise<void> {
    const form = this.formValues(event);
    const hidden = this.report?.hidden;
    await this.act(
      hidden ? REPORT_UNHIDE : REPORT_HIDE,
      { reportId: this.id, reason: String(form.get("reason") ?? "").trim() || null },
      hidden ? "reportUnhide" : "reportHide",
    );
  }

  private async merge(intoReportId: string): Promise<void> {
    this.mergeTarget = null;
    await this.act(REPORT_MERGE, { reportId: this.id, intoReportId }, "reportMerge");
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
                ${e.photos.length
                  ? html`<div class="thumbs">
                      ${e.photos.map((p, i) => html`<a href=${p.url}><img src=${p.thumbnailUrl} alt=${t("photoAlt", { n: i + 1 })} /></a>`)}
                    </div>`
                  : nothing}
              </li>`,
            )}
          </ol>`
        : html`<p class="muted">${t("noEvents")}</p>`}
    </section>`;
  }

  private auditView() {
    return html`<section aria-labelledby="audit-title">
      <h2 id="audit-title">${t("auditTrail")}</h2>
      ${this.audit.length
        ? html`<div class="table-wrap"><table class="audit">
            <thead><tr>
              <th scope="col">${t("auditAt")}</th><th scope="col">${t("auditActor")}</th>
              <th scope="col">${t("auditAction")}</th><th scope="col">${t("auditReason")}</th>
              <th scope="col">${t("auditChange")}</th>
            </tr></thead>
            <tbody>
              ${this.audit.map(
                (a) => html`<tr>
                  <td><time datetime=${a.at}>${formatTime(a.at)}</time></td>
                  <td><code>${a.actor}</code></td>
                  <td>${a.action}</td>
                  <td>${a.reason ?? "—"}</td>
                  <td class="change">${a.before ? html`<del>${a.before}</del> ` : nothing}${a.after ? html`<ins>${a.after}</ins>` : nothing}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
        : html`<p class="muted">${t("noEvents")}</p>`}
    </section>`;
  }

  private actionsView(r: Report) {
    const lockHeld = r.lockedBy && r.lockedUntil && new Date(r.lockedUntil).getTime() > Date.now();
    const closed = CLOSED.has(r.status);
    const moves = r.allowedTransitions ?? [];
    // Triage acknowledges only what awaits acknowledgement; otherwise it just routes.
    const awaiting = r.status === "SUBMITTED" || r.status === "REOPENED";
    return html`<section class="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">${t("actions")}</h2>
      <div role="status" class="message ${this.messageKind}">${this.message}</div>

      <section class="panel" aria-labelledby="lock-title">
        <h3 id="lock-title">${t("lockTitle")}</h3>
        <p>${lockHeld
          ? t("lockedBy", { name: r.lockedBy?.displayName ?? r.lockedBy?.id ?? t("someone"), time: formatTime(r.lockedUntil) })
          : t("notLocked")}</p>
        <button type="button" ?disabled=${this.busy} @click=${() => this.act(REPORT_LOCK, { reportId: this.id }, "reportLock")}>
          ${t("takeLock")}
        </button>
      </section>

      <form class="panel" aria-labelledby="status-title" @submit=${(e: Event) => this.setStatus(e)}>
        <h3 id="status-title">${t("statusTitle")}</h3>
        <div class="field">
          <label for="status-new">${t("newStatus")}</label>
          <select id="status-new" name="status" required ?disabled=${!moves.length} aria-describedby="status-new-help">
            <option value="" selected>${t("chooseStatus")}</option>
            ${moves.map((s) => html`<option value=${s}>${statusLabel(s)}</option>`)}
          </select>
          ${moves.length ? nothing : html`<small id="status-new-help">${t("noTransitions")}</small>`}
        </div>
        <div class="field">
          <label for="status-public">${t("publicNote")}</label>
          <textarea id="status-public" name="publicNote" rows="3" aria-describedby="status-public-help"></textarea>
          <small id="status-public-help">${t("publicNoteHelp")}</small>
        </div>
        <div class="field">
          <label for="status-internal">${t("internalNote")}</label>
          <textarea id="status-internal" name="internalNote" rows="2" aria-describedby="status-internal-help"></textarea>
          <small id="status-internal-help">${t("internalNoteHelp")}</small>
        </div>
        <div class="field">
          <label for="status-photo">${t("evidencePhoto")}</label>
          <input id="status-photo" type="file" accept="image/jpeg,image/png,image/webp" multiple
            aria-describedby="status-photo-help" @change=${(e: Event) => this.upload(e)} />
          <small id="status-photo-help">${this.uploading ? t("uploading") : t("evidenceHelp")}</small>
          <ul class="thumbs evidence" aria-label=${t("uploadedPhotos")}>
            ${this.evidence.map(
              (p, i) => html`<li>
                <img src=${p.thumbnailUrl} alt=${t("photoAlt", { n: i + 1 })} />
                <button type="button" class="link" @click=${() => {
                  this.evidence = this.evidence.filter((x) => x.id !== p.id);
                  update();
                }}>${t("removePhoto", { n: i + 1 })}</button>
              </li>`,
            )}
          </ul>
        </div>
        <button type="submit" ?disabled=${this.busy || this.uploading || !moves.length}>${t("setStatus")}</button>
      </form>

      <form class="panel" aria-labelledby="triage-title" @submit=${(e: Event) => this.triage(e)}>
        <h3 id="triage-title">${t("triageTitle")}</h3>
        <div class="field">
          <label for="triage-category">${t("category")}</label>
          <select id="triage-category" name="categoryId">
            ${this.cats.map((c) => html`<option value=${c.id} ?selected=${c.id === r.category?.id}>${c.name}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="triage-department">${t("department")}</label>
          <select id="triage-department" name="departmentId">
            ${departments().map((d) => html`<option value=${d.id} ?selected=${d.id === r.department?.id}>${d.name}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="triage-priority">${t("priority")}</label>
          <select id="triage-priority" name="priority">
            ${PRIORITIES.map((p) => html`<option value=${p} ?selected=${p === r.priority}>${enumLabel(p)}</option>`)}
          </select>
        </div>
        ${awaiting
          ? html`<div class="field">
                <label><input id="triage-acknowledge" type="checkbox" name="acknowledge" .checked=${this.acknowledging}
                  @change=${(e: Event) => {
                    this.acknowledging = (e.target as HTMLInputElement).checked;
                    update();
                  }} /> ${t("triageAcknowledge")}</label>
              </div>
              ${this.acknowledging
                ? html`<div class="field">
                    <label for="triage-note">${t("triageNote")}</label>
                    <textarea id="triage-note" name="publicNote" rows="3" aria-describedby="triage-note-help"></textarea>
                    <small id="triage-note-help">${t("triageNoteHelp")}</small>
                  </div>`
                : html`<p class="help">${t("triageKeepsStatus")}</p>`}`
          : nothing}
        <button type="submit" ?disabled=${this.busy}>${t("triage")}</button>
      </form>

      <section class="panel" aria-labelledby="merge-title">
        <h3 id="merge-title">${t("mergeTitle")}</h3>
        <p class="help">${t("mergeHelp", { radius: this.radius })}</p>
        ${this.candidates.length
          ? html`<ul class="candidates">
              ${this.candidates.map(
                (c) => html`<li>
                  <span class="distance">${t("distance", { meters: formatNumber(c.distanceMeters) })}</span>
                  ${statusBadge(c.node.status)} ${c.node.category?.name ?? ""}
                  <a href="#/report/${c.node.id}">${c.node.description.slice(0, 80)}</a>
                  ${this.mergeTarget === c.node.id
                    ? html`<button type="button" class="danger" ?disabled=${this.busy} @click=${() => this.merge(c.node.id)}>
                          ${t("confirmMerge", { id: c.node.id })}</button>
                        <button type="button" class="secondary" @click=${() => {
                          this.mergeTarget = null;
                          update();
                        }}>${t("cancel")}</button>`
                    : html`<button type="button" class="secondary" ?disabled=${this.busy || closed} @click=${() => {
                        this.mergeTarget = c.node.id;
                        update();
                      }}>${t("mergeInto")}</button>`}
                </li>`,
              )}
            </ul>`
          : html`<p class="muted">${t("noCandidates")}</p>`}
      </section>

      <form class="panel" aria-labelledby="edit-title" @submit=${(e: Event) => this.edit(e)}>
        <h3 id="edit-title">${t("editTitle")}</h3>
        <div class="field">
          <label for="edit-description">${t("description")}</label>
          <textarea id="edit-description" name="description" rows="4" .value=${r.description}></textarea>
        </div>
        ${r.photos.length
          ? html`<fieldset>
              <legend>${t("hidePhotos")}</legend>
              ${r.photos.map(
                (p, i) => html`<label class="photo-check"><input type="checkbox" name="hidePhoto" value=${p.id} />
                  <img src=${p.thumbnailUrl} alt="" /> ${t("hidePhotoN", { n: i + 1 })}</label>`,
              )}
            </fieldset>`
          : nothing}
        <div class="field">
          <label for="edit-reason">${t("reason")}</label>
          <input id="edit-reason" name="reason" />
        </div>
        <button type="submit" ?disabled=${this.busy}>${t("saveEdit")}</button>
      </form>

      <form class="panel" aria-labelledby="hide-title" @submit=${(e: Event) => this.hide(e)}>
        <h3 id="hide-title">${t("hideTitle")}</h3>
        <div class="field">
          <label for="hide-reason">${t("reason")}</label>
          <input id="hide-reason" name="reason" />
        </div>
        <button type="submit" class=${r.hidden ? "" : "danger"} ?disabled=${this.busy}>
          ${r.hidden ? t("unhideReport") : t("hideReport")}
        </button>
      </form>
    </section>`;
  }

  view() {
    const r = this.report;
    if (this.loading) return html`<h1 tabindex="-1">${t("reportTitle")}</h1><p>${t("loading")}</p>`;
    if (!r)
      return html`<h1 tabindex="-1">${t("reportTitle")}</h1>
        <p class="error" role="alert">${this.error || t("notFound")}</p>
        <p><a href="#/queue">${t("backToQueue")}</a></p>`;
    return html`<p><a href="#/queue">← ${t("backToQueue")}</a></p>
      <h1 tabindex="-1">${t("reportTitle")} <code>${r.id}</code> ${statusBadge(r.status)} ${slaState(r) ? slaBadge(r) : nothing}
        ${r.hidden ? html`<span class="badge hidden-badge">${t("hidden")}</span>` : nothing}</h1>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="report-layout">
        <div class="report-main">
          <dl class="facts">
            <dt>${t("category")}</dt><dd>${r.category?.name ?? "—"}</dd>
            <dt>${t("department")}</dt><dd>${r.department?.name ?? "—"}</dd>
            <dt>${t("area")}</dt><dd>${r.area?.name ?? "—"}</dd>
            <dt>${t("priority")}</dt><dd>${enumLabel(r.priority)}</dd>
            <dt>${t("reporter")}</dt><dd>${r.reporter ? (r.reporter.displayName ?? r.reporter.id) : t("anonymous")}</dd>
            <dt>${t("created")}</dt><dd>${formatTime(r.createdAt)}</dd>
            <dt>${t("updated")}</dt><dd>${formatTime(r.updatedAt)}</dd>
            <dt>${t("meToo")}</dt><dd>${r.meTooCount}</dd>
            <dt>${t("followers")}</dt><dd>${r.followerCount}</dd>
            ${r.duplicateOf ? html`<dt>${t("duplicateOf")}</dt><dd><a href="#/report/${r.duplicateOf}">${r.duplicateOf}</a></dd>` : nothing}
          </dl>
          <section aria-labelledby="description-title">
            <h2 id="description-title">${t("description")}</h2>
            <p class="description-text">${r.description}</p>
          </section>
          <section aria-labelledby="photos-title">
            <h2 id="photos-title">${t("photos")}</h2>
            ${r.photos.length
              ? html`<div class="thumbs large">
                  ${r.photos.map((p, i) => html`<a href=${p.url}><img src=${p.thumbnailUrl} alt=${t("photoAlt", { n: i + 1 })} /></a>`)}
                </div>`
              : html`<p class="muted">${t("noPhotos")}</p>`}
          </section>
          <section aria-labelledby="location-title">
            <h2 id="location-title">${t("location")}</h2>
            <p>${r.address ?? ""} (${r.location.lat.toFixed(5)}, ${r.location.lng.toFixed(5)}${r.locationIsApproximate ? `, ${t("approximate")}` : ""})</p>
            <div id="report-map" class="map" role="region" aria-label=${t("mapLabel")}></div>
            ${this.tilesFailed
              ? html`<p class="muted" role="status">${t("tilesFailed", { lat: r.location.lat.toFixed(5), lng: r.location.lng.toFixed(5) })}</p>`
              : nothing}
          </section>
          ${this.timelineView(r.timeline, t("publicTimeline"), "timeline-title")}
          ${this.timelineView(r.internalTimeline, t("internalNotes"), "internal-title")}
          ${r.moderationOriginals?.length
            ? html`<section aria-labelledby="originals-title">
                <h2 id="originals-title">${t("originals")}</h2>
                <ul>${r.moderationOriginals.map((o) => html`<li><time datetime=${o.editedAt}>${formatTime(o.editedAt)}</time> <code>${o.editedBy}</code>: ${o.description}</li>`)}</ul>
              </section>`
            : nothing}
          ${this.auditView()}
        </div>
        ${this.actionsView(r)}
      </div>`;
  }
}
