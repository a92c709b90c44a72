// Shared lookups: categories (from the API), departments and areas (from content/, bundled at build
// time because the API has no query for them yet), and the SLA rule of the badges.
import departmentsFile from "@content/reports/departments.json";
import areasGeoJson from "@content/areas/hanoi.geojson?raw";
import { gql } from "./api";
import { lang } from "./i18n";
import { CATEGORIES } from "./operations";

export interface Category {
  id: string;
  name: string;
  department: string;
  urgent: boolean;
  duplicateRadiusMeters: number;
  private: boolean;
}

interface Named {
  slug: string;
  name: { vi: string; en: string };
}

export interface AreaFeature {
  type: "Feature";
  properties: Named & { kind: string };
  geometry: GeoJSON.Geometry;
}

export const AREAS: AreaFeature[] = (JSON.parse(areasGeoJson) as { features: AreaFeature[] }).features;
const DEPARTMENTS: Named[] = (departmentsFile as { departments: Named[] }).departments;

export function departments(): { id: string; name: string }[] {
  return DEPARTMENTS.map((d) => ({ id: d.slug, name: d.name[lang()] || d.name.vi }));
}

export function areas(): { id: string; name: string }[] {
  return AREAS.map((a) => ({ id: a.properties.slug, name: a.properties.name[lang()] || a.properties.name.vi }));
}

export function departmentName(id: string): string {
  return departments().find((d) => d.id === id)?.name ?? id;
}

export function areaName(id: string): string {
  return areas().find((a) => a.id === id)?.name ?? id;
}

const categoryCache = new Map<string, Promise<Category[]>>();

/** Categories in the UI's language, fetched once per language. */
export function categories(): Promise<Category[]> {
  const key = lang();
  let found = categoryCache.get(key);
  if (!found) {
    found = gql<{ reportCategories: Category[] }>(CATEGORIES).then((d) => d.reportCategories);
    found.catch(() => categoryCache.delete(key));
    categoryCache.set(key, found);
  }
  return found;
}

export const STATUSES = [
  "SUBMITTED",
  "ACKNOWLEDGED",
  "IN_PROGRESS",
  "RESOLVED",
  "REJECTED",
  "DUPLICATE",
  "REOPENED",
] as const;
/** What reportSetStatus may set (DUPLICATE comes from a merge, REOPENED from the resident). */
export const SETTABLE_STATUSES = ["ACKNOWLEDGED", "IN_PROGRESS", "RESOLVED", "REJECTED"] as const;
export const CLOSED = new Set(["RESOLVED", "REJECTED", "DUPLICATE"]);
export const PRIORITIES = ["LOW", "NORMAL", "URGENT"] as const;

export interface SlaFields {
  status: string;
  slaDueAt: string | null;
  ackDueAt: string | null;
  resolveDueAt: string | null;
}

export type SlaState = { kind: "overdue" | "soon" | "ok"; due: string } | null;

/** Two working hours' notice: enough to act on before the deadline passes. */
const DUE_SOON_MS = 2 * 3600 * 1000;

export function slaState(report: SlaFields, now = Date.now()): SlaState {
  if (CLOSED.has(report.status)) return null;
  const due =
    report.status === "SUBMITTED"
      ? (report.ackDueAt ?? report.slaDueAt)
      : (report.resolveDueAt ?? report.slaDueAt);
  if (!due) return null;
  const left = new Date(due).getTime() - now;
  return { kind: left < 0 ? "overdue" : left < DUE_SOON_MS ? "soon" : "ok", due };
}
