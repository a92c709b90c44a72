// Shared lookups: categories (from the API), departments and areas (from content/, bundled at build
// time: the 126 wards and communes change only by law, and departments only with the app).
import departmentsFile from "@content/reports/departments.json";
import unitsFile from "@content/areas/units.json";
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

export type AreaType = "ward" | "commune";

/** One of Hanoi's wards (phường) or communes (xã) since 1 July 2025, as in content/areas/units.json. */
interface Unit {
  code: string;
  type: AreaType;
  name: { vi: string; en: string };
  short_name: string;
  centroid: { lat: number; lng: number };
  area_km2: number;
}

/** A unit in the console's language. `id` is the official code the API uses ("00070"). */
export interface Area {
  id: string;
  type: AreaType;
  name: string;
  shortName: string;
  centroid: { lat: number; lng: number };
  areaKm2: number;
  /** The radius of a circle of the unit's area, in metres: sqrt(km² / π). */
  radiusMeters: number;
  /** Its names (both languages) and code, folded for search. */
  haystack: string;
}

const UNITS: Unit[] = (unitsFile as { units: Unit[] }).units;
const DEPARTMENTS: Named[] = (departmentsFile as { departments: Named[] }).departments;

/** Lower case without diacritics: "Phường Hoàn Kiếm" and "phuong hoan kiem" fold alike. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/đ/g, "d")
    .replace(/\s+/g, " ")
    .trim();
}

export function departments(): { id: string; name: string }[] {
  return DEPARTMENTS.map((d) => ({ id: d.slug, name: d.name[lang()] || d.name.vi }));
}

const areaCache = new Map<string, { list: Area[]; byId: Map<string, Area> }>();

function areaTable(): { list: Area[]; byId: Map<string, Area> } {
  const key = lang();
  let found = areaCache.get(key);
  if (!found) {
    const collator = new Intl.Collator(key === "vi" ? "vi" : "en", { sensitivity: "base" });
    const list = UNITS.map(
      (u): Area => ({
        id: u.code,
        type: u.type,
        name: u.name[key] || u.name.vi,
        shortName: u.short_name,
        centroid: u.centroid,
        areaKm2: u.area_km2,
        radiusMeters: Math.sqrt(u.area_km2 / Math.PI) * 1000,
        haystack: fold(`${u.name.vi} ${u.name.en} ${u.code}`),
      }),
    ).sort((a, b) => (a.type === b.type ? collator.compare(a.shortName, b.shortName) : a.type === "ward" ? -1 : 1));
    found = { list, byId: new Map(list.map((a) => [a.id, a])) };
    areaCache.set(key, found);
  }
  return found;
}

/** The 126 units in the console's language: wards first, then communes, each by name. */
export function areas(): Area[] {
  return areaTable().list;
}

/** The units split by type, for <optgroup>s: wards, then communes. */
export function areaGroups(): { type: AreaType; areas: Area[] }[] {
  return (["ward", "commune"] as const).map((type) => ({ type, areas: areas().filter((a) => a.type === type) }));
}

export function areaById(id: string): Area | undefined {
  return areaTable().byId.get(id);
}

/** Whether every word of the query is in the unit's names or code, diacritics and case aside. */
export function areaMatches(area: Area, query: string): boolean {
  const words = fold(query).split(" ").filter(Boolean);
  return words.every((word) => area.haystack.includes(word));
}

export function departmentName(id: string): string {
  return departments().find((d) => d.id === id)?.name ?? id;
}

export function areaName(id: string): string {
  return areaById(id)?.name ?? id;
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
