// Who is signed in, as the console needs it on every page: their role and, for staff, their unit.
import type { Grant } from "./api";
import { type AreaType, type Area, areaGroups, areaName, departmentName } from "./data";

let grant: Grant = { role: null, department: null, areas: [] };
let uid: string | null = null;

export function setSession(next: Grant, userId: string | null): void {
  grant = next;
  uid = userId;
}

export function viewerId(): string | null {
  return uid;
}

/** Staff work for one unit: the API shows them its reports and figures only. */
export function isStaff(): boolean {
  return grant.role === "staff";
}

/** The staff member's department and areas; empty for moderators and admins (they see everything). */
export function staffScope(): { department: string | null; areas: string[] } {
  return isStaff() ? { department: grant.department, areas: grant.areas } : { department: null, areas: [] };
}

/** "Ward and Commune People's Committees · Hoàn Kiếm Ward": the unit a staff member works for. */
export function unitName(): string | null {
  const scope = staffScope();
  if (!scope.department) return null;
  const parts = [departmentName(scope.department), ...scope.areas.map(areaName)];
  return parts.join(" · ");
}

/** The wards and communes a viewer may pick: a ward office's own, else all 126, by type. */
export function pickableAreaGroups(): { type: AreaType; areas: Area[] }[] {
  const own = new Set(staffScope().areas);
  if (!own.size) return areaGroups();
  return areaGroups()
    .map((g) => ({ type: g.type, areas: g.areas.filter((a) => own.has(a.id)) }))
    .filter((g) => g.areas.length);
}
