// Vietnamese and English strings. The language comes from the browser and can be switched; the choice
// is remembered on this device and also sent to the API (Accept-Language) so names come back in it.
import { type Key, en } from "./strings/en";
import { vi } from "./strings/vi";

export type Lang = "vi" | "en";

const STORAGE_KEY = "thanglong.console.lang";

const STATUS: Record<Lang, Record<string, string>> = {
  en: {
    SUBMITTED: "Submitted",
    ACKNOWLEDGED: "Acknowledged",
    IN_PROGRESS: "In progress",
    RESOLVED: "Resolved",
    REJECTED: "Rejected",
    DUPLICATE: "Duplicate",
    REOPENED: "Reopened",
  },
  vi: {
    SUBMITTED: "Mới gửi",
    ACKNOWLEDGED: "Đã tiếp nhận",
    IN_PROGRESS: "Đang xử lý",
    RESOLVED: "Đã xử lý",
    REJECTED: "Từ chối",
    DUPLICATE: "Trùng lặp",
    REOPENED: "Mở lại",
  },
};

const ENUMS: Record<Lang, Record<string, string>> = {
  en: {
    LOW: "Low",
    NORMAL: "Normal",
    URGENT: "Urgent",
    INFO: "Information",
    WARNING: "Warning",
    CREATED: "Created",
    STATUS_CHANGED: "Status changed",
    MERGED: "Merged",
    REOPENED: "Reopened",
    TRIAGED: "Triaged",
    NOTE: "Note",
    EDITED: "Edited",
    ROLE_MODERATOR: "moderator",
    ROLE_STAFF: "staff",
    ROLE_ADMIN: "administrator",
  },
  vi: {
    LOW: "Thấp",
    NORMAL: "Bình thường",
    URGENT: "Khẩn cấp",
    INFO: "Thông tin",
    WARNING: "Cảnh báo",
    CREATED: "Đã tạo",
    STATUS_CHANGED: "Đổi trạng thái",
    MERGED: "Đã gộp",
    REOPENED: "Mở lại",
    TRIAGED: "Đã phân loại",
    NOTE: "Ghi chú",
    EDITED: "Đã sửa",
    ROLE_MODERATOR: "kiểm duyệt viên",
    ROLE_STAFF: "cán bộ",
    ROLE_ADMIN: "quản trị viên",
  },
};

const DICTIONARIES: Record<Lang, Record<Key, string>> = { en, vi };

function browserLang(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === "vi" || stored === "en") return stored;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary === "vi" || primary === "en") return primary;
  }
  return "vi";
}

let current: Lang = browserLang();
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  listeners.forEach((listener) => listener());
}

export function onLangChange(listener: () => void): void {
  listeners.add(listener);
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = DICTIONARIES[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

export function statusLabel(status: string): string {
  return STATUS[current][status] ?? status;
}

export function enumLabel(value: string): string {
  return ENUMS[current][value] ?? value;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A date and time in Hanoi's time zone, in the UI's language. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const key = current;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(current === "vi" ? "vi-VN" : "en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "Asia/Ho_Chi_Minh",
    });
    formatters.set(key, formatter);
  }
  return formatter.format(new Date(iso));
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString(current === "vi" ? "vi-VN" : "en-GB", {
    maximumFractionDigits: digits,
  });
}

document.documentElement.lang = current;

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g;

/** A message with machine times ("2026-12-04T19:08:15.965000+00:00") as Hanoi times in words. */
export function humanize(message: string): string {
  return message.replace(ISO_TIME, (iso) => (Number.isNaN(Date.parse(iso)) ? iso : formatTime(iso)));
}

/** "2 d 3 h", "3 h 20 min", "12 min": a span of time, in the UI's language, rounded to minutes. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const unit = current === "vi" ? { d: "ngày", h: "giờ", m: "phút" } : { d: "d", h: "h", m: "min" };
  if (days) return hours ? `${days} ${unit.d} ${hours} ${unit.h}` : `${days} ${unit.d}`;
  if (hours) return rest ? `${hours} ${unit.h} ${rest} ${unit.m}` : `${hours} ${unit.h}`;
  return `${rest} ${unit.m}`;
}
