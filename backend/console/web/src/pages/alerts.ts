// Compose an area alert in Vietnamese and English for some of Hanoi's 126 wards and communes, or
// the whole city. Units are found by name (diacritics optional) in a checkbox list, or clicked on
// the map, where each is a circle at its centroid as large as a disc of its area.
import { html, nothing } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type L from "leaflet";
import { type Page, errorMessage, update } from "../app";
import { type UserError, gql } from "../api";
import { type Area, areaMatches, areaName, areas } from "../data";
import { enumLabel, formatTime, lang, t } from "../i18n";
import { L as Leaflet, baseMap } from "../map";
import { ALERT_SEND } from "../operations";

interface Alert {
  id: string;
  severity: string;
  title: string;
  areaIds: string[];
  expiresAt: string;
}

const SEVERITIES = ["INFO", "WARNING", "URGENT"] as const;
/** A circle is never drawn smaller than this (pixels), so every unit stays clickable zoomed out. */
const MIN_RADIUS_PX = 6;
const EARTH_CIRCUMFERENCE_M = 40_075_016.686;

function localInput(date: Date): string {
  // datetime-local wants "YYYY-MM-DDTHH:MM" in the browser's time zone.
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** A unit's radius in pixels at this zoom: its true size, but at least MIN_RADIUS_PX. */
function radiusPx(area: Area, zoom: number): number {
  const metresPerPixel = (EARTH_CIRCUMFERENCE_M * Math.cos((area.centroid.lat * Math.PI) / 180)) / (256 * 2 ** zoom);
  return Math.max(MIN_RADIUS_PX, area.radiusMeters / metresPerPixel);
}

export class AlertsPage implements Page {
  private selected = new Set<string>();
  private all = false;
  private query = "";
  // The alerts sent from this page (the API lists alerts by the viewer's followed areas only).
  private sent: Alert[] = [];
  private message = "";
  private messageKind: "ok" | "error" = "ok";
  private busy = false;
  private map: L.Map | null = null;
  private mapElement: HTMLElement | null = null;
  private mapLang = "";
  private markers = new Map<string, L.CircleMarker>();
  private tilesFailed = false;

  unmount(): void {
    this.map?.remove();
  }

  private toggle(id: string): void {
    if (this.all) return;
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
    update();
  }

  private shown(): Area[] {
    return this.query.trim() ? areas().filter((a) => areaMatches(a, this.query)) : areas();
  }

  private selectShown(): void {
    for (const area of this.shown()) this.selected.add(area.id);
    update();
  }

  private clearSelection(): void {
    this.selected.clear();
    update();
  }

  private searchKey(event: KeyboardEvent): void {
    if (event.key !== "Enter") return;
    // Enter in the search box must not send the alert; with a single match, it selects that one.
    event.preventDefault();
    const shown = this.shown();
    if (shown.length === 1) {
      this.selected.add(shown[0].id);
      (event.target as HTMLInputElement).select();
      update();
    }
  }

  private buildMap(element: HTMLElement): void {
    this.map?.remove();
    this.markers.clear();
    this.mapElement = element;
    // Half zoom steps: the city then fills the map at its first view, on a phone as on a desktop.
    const map = baseMap(
      element,
      () => {
        this.tilesFailed = true;
        update();
      },
      { zoomSnap: 0.5 },
    );
    this.map = map;
    // Largest first, so that the small inner-city wards are drawn on top and stay clickable.
    const units = [...areas()].sort((a, b) => b.areaKm2 - a.areaKm2);
    for (const area of units) {
      const marker = Leaflet.circleMarker([area.centroid.lat, area.centroid.lng], {
        radius: MIN_RADIUS_PX,
        className: `area-marker area-${area.id}`,
        bubblingMouseEvents: false,
      });
      marker.on("click", () => this.toggle(area.id));
      marker.bindTooltip(area.name);
      marker.addTo(map);
      this.markers.set(area.id, marker);
    }
    this.mapLang = lang();
    const resize = () => {
      const zoom = map.getZoom();
      for (const area of units) this.markers.get(area.id)?.setRadius(radiusPx(area, zoom));
    };
    map.on("zoomend", resize);
    map.fitBounds(
      Leaflet.latLngBounds(units.map((a) => [a.centroid.lat, a.centroid.lng] as [number, number])),
      { padding: [12, 12] },
    );
    resize();
  }

  afterRender(): void {
    const element = document.getElementById("alerts-map");
    if (element && element !== this.mapElement) this.buildMap(element);
    if (this.mapLang !== lang()) {
      this.mapLang = lang();
      for (const area of areas()) this.markers.get(area.id)?.setTooltipContent(area.name);
    }
    const shown = new Set(this.shown().map((a) => a.id));
    for (const [id, marker] of this.markers) {
      const on = this.all || this.selected.has(id);
      const visible = on || shown.has(id);
      marker.setStyle({
        color: on ? "#b3261e" : "#1f4e79",
        fillColor: on ? "#b3261e" : "#1f4e79",
        weight: on ? 3 : 1,
        opacity: visible ? 1 : 0.3,
        fillOpacity: on ? 0.45 : visible ? 0.15 : 0.04,
      });
    }
  }

  private async send(event: Event): Promise<void> {
    event.preventDefault();
    const formElement = event.target as HTMLFormElement;
    const form = new FormData(formElement);
    if (!this.all && !this.selected.size) {
      this.messageKind = "error";
      this.message = t("chooseAreas");
      update();
      return;
    }
    this.busy = true;
    update();
    const text = (name: string) => String(form.get(name) ?? "").trim();
    try {
      const data = await gql<{ alertSend: { alert: Alert | null; errors: UserError[] } }>(ALERT_SEND, {
        input: {
          all: this.all,
          areaIds: this.all ? null : [...this.selected],
          severity: form.get("severity"),
          title: { vi: text("titleVi"), en: text("titleEn") },
          body: { vi: text("bodyVi"), en: text("bodyEn") },
          deepLink: text("deepLink") || null,
          expiresAt: new Date(text("expiresAt")).toISOString(),
        },
      });
      const payload = data.alertSend;
      if (payload.errors.length) {
        this.messageKind = "error";
        this.message = payload.errors.map((e) => e.message).join(" ");
      } else {
        this.messageKind = "ok";
        this.message = t("sent", { areas: this.all ? t("city") : [...this.selected].map(areaName).join(", ") });
        formElement.reset();
        this.selected.clear();
        this.all = false;
        this.query = "";
        if (payload.alert) this.sent = [payload.alert, ...this.sent];
      }
    } catch (error) {
      this.messageKind = "error";
      this.message = errorMessage(error);
    } finally {
      this.busy = false;
      update();
    }
  }

  private areaPicker() {
    const shown = this.shown();
    const selected = areas().filter((a) => this.selected.has(a.id));
    return html`<fieldset class="area-picker">
      <legend>${t("areas")}</legend>
      <label class="whole-city"><input type="checkbox" .checked=${this.all} @change=${(e: Event) => {
        this.all = (e.target as HTMLInputElement).checked;
        update();
      }} /> ${t("wholeCity")}</label>
      <div class="area-tools">
        <div class="field grow">
          <label for="a-area-search">${t("areaSearch")}</label>
          <input id="a-area-search" type="search" autocomplete="off" spellcheck="false" ?disabled=${this.all}
            aria-describedby="a-area-search-help a-area-count" aria-controls="a-area-list"
            @input=${(e: Event) => {
              this.query = (e.target as HTMLInputElement).value;
              update();
            }}
            @keydown=${(e: KeyboardEvent) => this.searchKey(e)} />
          <small id="a-area-search-help">${t("areaSearchHelp")}</small>
        </div>
        <div class="area-buttons">
          <button type="button" class="secondary" ?disabled=${this.all || !shown.length} @click=${() => this.selectShown()}>
            ${t("selectShown")}
          </button>
          <button type="button" class="secondary" ?disabled=${this.all || !this.selected.size} @click=${() => this.clearSelection()}>
            ${t("clearAreas")}
          </button>
        </div>
      </div>
      <p id="a-area-count" class="help" aria-live="polite">
        ${t("areasCount", { shown: shown.length, total: areas().length, selected: this.all ? areas().length : this.selected.size })}
      </p>
      <div id="a-area-list" class="area-list" role="group" aria-label=${t("areas")}>
        ${shown.length
          ? repeat(
              shown,
              (a) => a.id,
              (a) => html`<label><input type="checkbox" name="area" value=${a.id} ?disabled=${this.all}
                .checked=${this.all || this.selected.has(a.id)} @change=${() => this.toggle(a.id)} /> ${a.name}</label>`,
            )
          : html`<p class="muted">${t("noAreasMatch")}</p>`}
      </div>
      ${selected.length && !this.all
        ? html`<div class="chosen">
            <h3 id="a-chosen-title">${t("selectedAreas")}</h3>
            <ul class="chips" aria-labelledby="a-chosen-title">
              ${repeat(
                selected,
                (a) => a.id,
                (a) => html`<li><button type="button" class="chip" aria-label=${t("removeArea", { name: a.name })}
                  @click=${() => {
                    this.toggle(a.id);
                    // The chip is gone: keep the keyboard in the picker.
                    document.getElementById("a-area-search")?.focus();
                  }}>${a.name} <span aria-hidden="true">×</span></button></li>`,
              )}
            </ul>
          </div>`
        : nothing}
      <p class="help" id="a-map-help">${t("areasMapHelp")}</p>
      <div id="alerts-map" class="map area-map" role="region" aria-label=${t("areasMap")} aria-describedby="a-map-help"></div>
      ${this.tilesFailed ? html`<p class="muted">${t("tilesFailed", { lat: "21.03", lng: "105.85" })}</p>` : nothing}
    </fieldset>`;
  }

  view() {
    const expires = localInput(new Date(Date.now() + 24 * 3600 * 1000));
    return html`<h1 tabindex="-1">${t("alertsTitle")}</h1>
      <div class="alerts-layout">
        <form class="panel alert-form" @submit=${(e: Event) => this.send(e)}>
          <div class="field">
            <label for="a-severity">${t("severity")}</label>
            <select id="a-severity" name="severity">
              ${SEVERITIES.map((s) => html`<option value=${s} ?selected=${s === "WARNING"}>${enumLabel(s)}</option>`)}
            </select>
          </div>
          <div class="row">
            <div class="field grow" lang="vi">
              <label for="a-title-vi">${t("titleVi")}</label>
              <input id="a-title-vi" name="titleVi" maxlength="120" required />
            </div>
            <div class="field grow" lang="en">
              <label for="a-title-en">${t("titleEn")}</label>
              <input id="a-title-en" name="titleEn" maxlength="120" required />
            </div>
          </div>
          <div class="row">
            <div class="field grow" lang="vi">
              <label for="a-body-vi">${t("bodyVi")}</label>
              <textarea id="a-body-vi" name="bodyVi" rows="4" maxlength="1000" required></textarea>
            </div>
            <div class="field grow" lang="en">
              <label for="a-body-en">${t("bodyEn")}</label>
              <textarea id="a-body-en" name="bodyEn" rows="4" maxlength="1000" required></textarea>
            </div>
          </div>
          ${this.areaPicker()}
          <div class="row">
            <div class="field">
              <label for="a-expires">${t("expiresAt")}</label>
              <input id="a-expires" name="expiresAt" type="datetime-local" .value=${expires} required />
            </div>
            <div class="field grow">
              <label for="a-link">${t("deepLink")}</label>
              <input id="a-link" name="deepLink" placeholder="thanglong://" />
            </div>
          </div>
          <div role="status" class="message ${this.messageKind}">${this.message}</div>
          <button type="submit" ?disabled=${this.busy}>${t("send")}</button>
        </form>
        <section class="panel" aria-labelledby="active-title">
          <h2 id="active-title">${t("sentAlerts")}</h2>
          ${this.sent.length
            ? html`<ul class="alert-list">
                ${this.sent.map(
                  (a) => html`<li class="severity-${a.severity.toLowerCase()}">
                    <strong>${enumLabel(a.severity)} · ${a.title}</strong>
                                        <small>${a.areaIds.length ? a.areaIds.map(areaName).join(", ") : t("city")} · ${t("until", { time: formatTime(a.expiresAt) })}</small>
                  </li>`,
                )}
              </ul>`
            : html`<p class="muted">${t("noSentAlerts")}</p>`}
        </section>
      </div>`;
  }
}
