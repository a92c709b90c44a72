// The one re-render entry point: pages change their state, then call update().
import type { TemplateResult } from "lit-html";

export interface Page {
  view(): TemplateResult;
  /** After each render: for what lit-html does not manage (Leaflet maps, focus). */
  afterRender?(): void;
  unmount?(): void;
}

let renderer: () => void = () => undefined;

export function setRenderer(next: () => void): void {
  renderer = next;
}

export function update(): void {
  renderer();
}

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

/** Move focus to the page's heading after navigation, so screen readers announce the new page. */
export function focusHeading(): void {
  const heading = document.querySelector<HTMLElement>("main h1");
  heading?.focus();
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
