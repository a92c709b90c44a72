// The actions on one report: lock, status, triage, merge, edit, hide. Each form runs one mutation
// through the page's act(), which shows the outcome and reloads the report.
import { html, nothing } from "lit-html";
import { errorMessage, update } from "../app";
import { uploadPhoto } from "../api";
import { CLOSED, PRIORITIES, departments } from "../data";
import { enumLabel, formatNumber, formatTime, statusLabel, t } from "../i18n";
import {
  REPORT_ASSIGN,
  REPORT_EDIT,
  REPORT_HIDE,
  REPORT_LOCK,
  REPORT_MERGE,
  REPORT_SET_STATUS,
  REPORT_TRIAGE,
  REPORT_UNHIDE,
} from "../operations";
import { statusBadge } from "./queue-rows";
import type { Report, ReportPage } from "./report";
import { viewerId } from "../session";
import { personLabel, personWithUnit } from "./report-audit";

function formValues(event: Event): FormData {
  event.preventDefault();
  return new FormData(event.target as HTMLFormElement);
}

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim() || null;

async function triage(page: ReportPage, event: Event): Promise<void> {
  const element = event.target as HTMLFormElement;
  const form = formValues(event);
  const acknowledge = form.get("acknowledge") === "on";
  const input = {
    reportId: page.id,
    categoryId: form.get("categoryId") || null,
    departmentId: form.get("departmentId") || null,
    priority: form.get("priority") || null,
    acknowledge,
    publicNote: acknowledge ? text(form, "publicNote") : null,
  };
  if (await page.act(REPORT_TRIAGE, input, "reportTriage")) {
    element.reset();
    page.acknowledging = false;
    update();
  }
}

async function setStatus(page: ReportPage, event: Event): Promise<void> {
  const element = event.target as HTMLFormElement;
  const form = formValues(event);
  const input = {
    reportId: page.id,
    status: form.get("status"),
    publicNote: text(form, "publicNote"),
    internalNote: text(form, "internalNote"),
    photoIds: page.evidence.map((p) => p.id),
  };
  if (await page.act(REPORT_SET_STATUS, input, "reportSetStatus")) {
    element.reset();
    page.evidence = [];
    update();
  }
}

async function upload(page: ReportPage, event: Event): Promise<void> {
  const input = event.target as HTMLInputElement;
  const files = [...(input.files ?? [])];
  if (!files.length) return;
  page.uploading = true;
  page.message = "";
  update();
  try {
    for (const file of files) page.evidence = [...page.evidence, await uploadPhoto(file)];
    page.messageKind = "ok";
    page.message = t("uploaded");
  } catch (error) {
    page.messageKind = "error";
    page.message = t("uploadFailed", { message: errorMessage(error) });
  } finally {
    input.value = "";
    page.uploading = false;
    update();
  }
}

function lockPanel(page: ReportPage, r: Report) {
  const lockHeld = r.lockedBy && r.lockedUntil && new Date(r.lockedUntil).getTime() > Date.now();
  return html`<section class="panel" aria-labelledby="lock-title">
    <h3 id="lock-title">${t("lockTitle")}</h3>
    <p>${lockHeld ? t("lockedBy", { name: r.lockedBy ? personWithUnit(r.lockedBy) : personLabel(r.lockedBy), time: formatTime(r.lockedUntil) }) : t("notLocked")}</p>
    <button id="take-lock" type="button" ?disabled=${page.busy} @click=${() => page.act(REPORT_LOCK, { reportId: page.id }, "reportLock")}>
      ${t("takeLock")}
    </button>
  </section>`;
}

function assignPanel(page: ReportPage, r: Report) {
  const me = viewerId();
  const mine = r.assignee?.id === me;
  const colleagues = page.staff.filter((s) => s.assignable);
  const assign = (assigneeId: string | null) => () =>
    page.act(REPORT_ASSIGN, { reportId: page.id, assigneeId }, "reportAssign");
  return html`<section class="panel" aria-labelledby="assign-title">
    <h3 id="assign-title">${t("assignTitle")}</h3>
    <p>${r.assignee
      ? t("assignedTo", { name: personLabel(r.assignee), time: formatTime(r.assignedAt) })
      : t("unassigned")}</p>
    <div class="buttons">
      ${mine || !me
        ? nothing
        : html`<button id="assign-me" type="button" ?disabled=${page.busy} @click=${assign(me)}>${t("assignToMe")}</button>`}
      ${r.assignee
        ? html`<button type="button" class="secondary" ?disabled=${page.busy} @click=${assign(null)}>${t("unassign")}</button>`
        : nothing}
    </div>
    ${colleagues.length
      ? html`<form class="assign-to" @submit=${(e: Event) => {
          e.preventDefault();
          const picked = new FormData(e.target as HTMLFormElement).get("assigneeId");
          if (picked) void assign(String(picked))();
        }}>
          <label for="assign-to">${t("assignTo")}</label>
          <select id="assign-to" name="assigneeId" required>
            <option value="">${t("assignPick")}</option>
            ${colleagues.map((c) => html`<option value=${c.node.id} ?selected=${c.node.id === r.assignee?.id}>${personWithUnit(c.node)}</option>`)}
          </select>
          <button type="submit" class="secondary" ?disabled=${page.busy}>${t("assignButton")}</button>
        </form>`
      : nothing}
  </section>`;
}

function statusForm(page: ReportPage, r: Report) {
  const moves = r.allowedTransitions ?? [];
  return html`<form class="panel" aria-labelledby="status-title" @submit=${(e: Event) => setStatus(page, e)}>
    <h3 id="status-title">${t("statusTitle")}</h3>
    <div class="field">
      <label for="status-new">${t("newStatus")}</label>
      <select id="status-new" name="status" required ?disabled=${!moves.length} aria-describedby="status-new-help">
        <option value="" selected>${t("chooseStatus")}</option>
        ${moves.map((s) => html`<option value=${s}>${statusLabel(s)}</option>`)}
      </select>
      ${moves.length ? nothing : html`<small id="status-new-help">${t("noTransitions")}</small>`}
    </div>
    ${page.canned.length
      ? html`<div class="field">
          <label for="status-canned">${t("cannedAnswer")}</label>
          <select id="status-canned" @change=${(e: Event) => useCanned(page, e)}>
            <option value="">${t("cannedAnswerPick")}</option>
            ${page.canned.map((c) => html`<option value=${c.id}>${c.title}</option>`)}
          </select>
        </div>`
      : nothing}
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
        aria-describedby="status-photo-help" @change=${(e: Event) => upload(page, e)} />
      <small id="status-photo-help">${page.uploading ? t("uploading") : t("evidenceHelp")}</small>
      <ul class="thumbs evidence" aria-label=${t("uploadedPhotos")}>
        ${page.evidence.map(
          (p, i) => html`<li>
            <img src=${p.thumbnailUrl} alt=${t("photoAlt", { n: i + 1 })} />
            <button type="button" class="link" @click=${() => {
              page.evidence = page.evidence.filter((x) => x.id !== p.id);
              update();
            }}>${t("removePhoto", { n: i + 1 })}</button>
          </li>`,
        )}
      </ul>
    </div>
    <button type="submit" ?disabled=${page.busy || page.uploading || !moves.length}>${t("setStatus")}</button>
  </form>`;
}

/** Put the chosen canned answer in the public note (editable before sending). */
function useCanned(page: ReportPage, event: Event): void {
  const select = event.target as HTMLSelectElement;
  const answer = page.canned.find((c) => c.id === select.value);
  const note = document.getElementById("status-public") as HTMLTextAreaElement | null;
  if (answer && note) {
    note.value = answer.text;
    note.focus();
  }
  select.value = "";
}

function triageForm(page: ReportPage, r: Report) {
  // Triage acknowledges only what awaits acknowledgement; otherwise it just routes.
  const awaiting = r.status === "SUBMITTED" || r.status === "REOPENED";
  return html`<form class="panel" aria-labelledby="triage-title" @submit=${(e: Event) => triage(page, e)}>
    <h3 id="triage-title">${t("triageTitle")}</h3>
    <div class="field">
      <label for="triage-category">${t("category")}</label>
      <select id="triage-category" name="categoryId">
        ${page.cats.map((c) => html`<option value=${c.id} ?selected=${c.id === r.category?.id}>${c.name}</option>`)}
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
            <label><input id="triage-acknowledge" type="checkbox" name="acknowledge" .checked=${page.acknowledging}
              @change=${(e: Event) => {
                page.acknowledging = (e.target as HTMLInputElement).checked;
                update();
              }} /> ${t("triageAcknowledge")}</label>
          </div>
          ${page.acknowledging
            ? html`<div class="field">
                <label for="triage-note">${t("triageNote")}</label>
                <textarea id="triage-note" name="publicNote" rows="3" aria-describedby="triage-note-help"></textarea>
                <small id="triage-note-help">${t("triageNoteHelp")}</small>
              </div>`
            : html`<p class="help">${t("triageKeepsStatus")}</p>`}`
      : nothing}
    <button type="submit" ?disabled=${page.busy}>${t("triage")}</button>
  </form>`;
}

function mergePanel(page: ReportPage, r: Report) {
  const closed = CLOSED.has(r.status);
  const choose = (id: string | null) => () => {
    page.mergeTarget = id;
    update();
  };
  return html`<section class="panel" aria-labelledby="merge-title">
    <h3 id="merge-title">${t("mergeTitle")}</h3>
    <p class="help">${t("mergeHelp", { radius: page.radius })}</p>
    ${page.candidates.length
      ? html`<ul class="candidates">
          ${page.candidates.map(
            (c) => html`<li>
              <span class="distance">${t("distance", { meters: formatNumber(c.distanceMeters) })}</span>
              ${statusBadge(c.node.status)} ${c.node.category?.name ?? ""}
              <a href="#/report/${c.node.id}">${c.node.description.slice(0, 80)}</a>
              ${page.mergeTarget === c.node.id
                ? html`<button type="button" class="danger" ?disabled=${page.busy}
                      @click=${() => {
                        page.mergeTarget = null;
                        void page.act(REPORT_MERGE, { reportId: page.id, intoReportId: c.node.id }, "reportMerge");
                      }}>${t("confirmMerge", { id: c.node.id })}</button>
                    <button type="button" class="secondary" @click=${choose(null)}>${t("cancel")}</button>`
                : html`<button type="button" class="secondary" ?disabled=${page.busy || closed} @click=${choose(c.node.id)}>
                    ${t("mergeInto")}</button>`}
            </li>`,
          )}
        </ul>`
      : html`<p class="muted">${t("noCandidates")}</p>`}
  </section>`;
}

function editForm(page: ReportPage, r: Report) {
  const submit = (event: Event) => {
    const form = formValues(event);
    const input = {
      reportId: page.id,
      description: form.get("description"),
      photoIdsToHide: form.getAll("hidePhoto"),
      reason: text(form, "reason"),
    };
    void page.act(REPORT_EDIT, input, "reportEdit");
  };
  return html`<form class="panel" aria-labelledby="edit-title" @submit=${submit}>
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
    <button type="submit" ?disabled=${page.busy}>${t("saveEdit")}</button>
  </form>`;
}

function hideForm(page: ReportPage, r: Report) {
  const submit = (event: Event) => {
    const form = formValues(event);
    const input = { reportId: page.id, reason: text(form, "reason") };
    void (r.hidden ? page.act(REPORT_UNHIDE, input, "reportUnhide") : page.act(REPORT_HIDE, input, "reportHide"));
  };
  return html`<form class="panel" aria-labelledby="hide-title" @submit=${submit}>
    <h3 id="hide-title">${t("hideTitle")}</h3>
    <div class="field">
      <label for="hide-reason">${t("reason")}</label>
      <input id="hide-reason" name="reason" />
    </div>
    <button type="submit" class=${r.hidden ? "" : "danger"} ?disabled=${page.busy}>
      ${r.hidden ? t("unhideReport") : t("hideReport")}
    </button>
  </form>`;
}

export function actionsView(page: ReportPage, r: Report) {
  const next = page.next;
  return html`<section class="actions" aria-labelledby="actions-title">
    <h2 id="actions-title" tabindex="-1">${t("actions")}</h2>
    <div role="status" class="message ${page.messageKind}">
      ${page.message}
      ${page.acted && next ? html` <a class="next" href="#/report/${next}">${t("nextReport")} →</a>` : nothing}
    </div>
    ${lockPanel(page, r)} ${assignPanel(page, r)} ${statusForm(page, r)} ${triageForm(page, r)} ${mergePanel(page, r)} ${editForm(page, r)}
    ${hideForm(page, r)}
  </section>`;
}
