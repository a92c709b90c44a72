// The audit trail of a report in words: who (by name), what (a localized label), and each changed
// field before and after, instead of internal action codes and raw JSON.
import { html, nothing } from "lit-html";
import { areaName, departmentName } from "../data";
import { enumLabel, formatTime, lang, statusLabel, t } from "../i18n";
import { viewerId } from "../session";

export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  reason: string | null;
  before: string | null;
  after: string | null;
  at: string;
  /** Who acted, by name and unit (the API's `actorDetails`; `actor` is the bare id). */
  actorDetails?: { id: string; displayName: string | null; unitName: string | null } | null;
}

type Words = { vi: string; en: string };

const ACTIONS: Record<string, Words> = {
  "report.triage": { vi: "Phân loại", en: "Triaged" },
  "report.set_status": { vi: "Đổi trạng thái", en: "Status changed" },
  "report.merge": { vi: "Gộp vào phản ánh khác", en: "Merged into another report" },
  "report.edit": { vi: "Sửa nội dung", en: "Content edited" },
  "report.hide": { vi: "Ẩn", en: "Hidden" },
  "report.unhide": { vi: "Bỏ ẩn", en: "Shown again" },
  "report.lock": { vi: "Nhận xử lý (khóa)", en: "Took the lock" },
  "report.assign": { vi: "Giao việc", en: "Assigned" },
  "user.ban": { vi: "Chặn tài khoản", en: "Account banned" },
  "user.unban": { vi: "Bỏ chặn tài khoản", en: "Account unbanned" },
  "canned_answer.set": { vi: "Sửa câu trả lời mẫu", en: "Canned answer written" },
  "canned_answer.delete": { vi: "Xóa câu trả lời mẫu", en: "Canned answer deleted" },
};

const FIELDS: Record<string, Words> = {
  status: { vi: "Trạng thái", en: "Status" },
  category: { vi: "Lĩnh vực", en: "Category" },
  department: { vi: "Đơn vị", en: "Department" },
  area: { vi: "Phường/xã", en: "Ward or commune" },
  priority: { vi: "Mức ưu tiên", en: "Priority" },
  public_note: { vi: "Ghi chú công khai", en: "Public note" },
  description: { vi: "Mô tả", en: "Description" },
  photo_ids: { vi: "Ảnh", en: "Photos" },
  hidden_photo_ids: { vi: "Ảnh bị ẩn", en: "Hidden photos" },
  hidden: { vi: "Ẩn", en: "Hidden" },
  locked_by: { vi: "Người giữ khóa", en: "Lock holder" },
  locked_until: { vi: "Khóa đến", en: "Locked until" },
  assignee: { vi: "Người được giao", en: "Assignee" },
  duplicate_of: { vi: "Trùng với", en: "Duplicate of" },
  followers_moved: { vi: "Người theo dõi chuyển sang", en: "Followers moved" },
  me_too_moved: { vi: "Lượt “tôi cũng gặp” chuyển sang", en: "Me-too moved" },
  banned: { vi: "Bị chặn", en: "Banned" },
  reports_changed: { vi: "Số phản ánh bị ảnh hưởng", en: "Reports affected" },
};

/** Names the page already knows, for ids the audit log gives: people (reporter, lock holder)
 * by uid and categories as `category:<id>`. */
export type People = Map<string, string>;

export function actionLabel(action: string): string {
  return ACTIONS[action]?.[lang()] ?? action;
}

function fieldLabel(field: string): string {
  return FIELDS[field]?.[lang()] ?? field.replace(/_/g, " ");
}

/** A person in words: their name, else a short handle (never a bare account id). */
export function personLabel(person: { id: string; displayName: string | null } | null | undefined): string {
  if (!person) return t("someone");
  if (person.id === viewerId()) return person.displayName ? `${person.displayName} (${t("you")})` : t("you");
  return person.displayName ?? t("userShort", { id: person.id.slice(0, 6) });
}

/** A person with their unit, e.g. "Nguyễn Thị Lan · UBND phường, xã · Phường Hoàn Kiếm". */
export function personWithUnit(person: { id: string; displayName: string | null; unitName?: string | null }): string {
  const name = personLabel(person);
  return person.unitName ? `${name} · ${person.unitName}` : name;
}

/** One user in words: "you", a known name, or a short anonymous handle. */
export function personName(id: string | null | undefined, people: People): string {
  if (!id) return "—";
  if (id === viewerId()) return t("you");
  return people.get(id) ?? t("userShort", { id: id.slice(0, 6) });
}

function valueText(field: string, value: unknown, people: People): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  if (Array.isArray(value)) return value.length ? t("itemCount", { count: value.length }) : "—";
  if (typeof value !== "string") return String(value);
  switch (field) {
    case "status":
      return statusLabel(value);
    case "priority":
      return enumLabel(value);
    case "category":
      return people.get(`category:${value}`) ?? value;
    case "department":
      return departmentName(value);
    case "area":
      return areaName(value);
    case "locked_by":
    case "assignee":
      return personName(value, people);
    case "locked_until":
      return formatTime(value);
    default:
      return value;
  }
}

function parse(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { value: json };
  }
}

/** The fields that changed, each with its value before and after (unchanged ones are left out). */
export function changes(entry: AuditEntry, people: People): { field: string; before: string; after: string }[] {
  const before = parse(entry.before);
  const after = parse(entry.after);
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]))
    .map((f) => ({
      field: fieldLabel(f),
      before: f in before ? valueText(f, before[f], people) : "",
      after: f in after ? valueText(f, after[f], people) : "",
    }));
}

export function auditView(entries: AuditEntry[], people: People) {
  return html`<section aria-labelledby="audit-title" class="audit-section">
    <h2 id="audit-title">${t("auditTrail")}</h2>
    ${entries.length
      ? html`<ol class="audit">
          ${entries.map(
            (a) => html`<li>
              <p class="audit-head">
                <time datetime=${a.at}>${formatTime(a.at)}</time> ·
                <strong>${actionLabel(a.action)}</strong> · ${a.actorDetails ? personWithUnit(a.actorDetails) : personName(a.actor, people)}
              </p>
              ${a.reason ? html`<p class="audit-reason">${t("auditReason")}: ${a.reason}</p>` : nothing}
              ${changeList(a, people)}
            </li>`,
          )}
        </ol>`
      : html`<p class="muted">${t("noEvents")}</p>`}
  </section>`;
}

function changeList(entry: AuditEntry, people: People) {
  const rows = changes(entry, people);
  if (!rows.length) return nothing;
  return html`<dl class="changes">
    ${rows.map(
      (c) => html`<dt>${c.field}</dt>
        <dd>${c.before ? html`<del><span class="sr-only">${t("auditBefore")}: </span>${c.before}</del>` : nothing}
          ${c.before && c.after ? html`<span aria-hidden="true">→</span>` : nothing}
          ${c.after ? html`<ins><span class="sr-only">${t("auditAfter")}: </span>${c.after}</ins>` : nothing}</dd>`,
    )}
  </dl>`;
}
