// Compose an area alert in Vietnamese and English; areas are picked on a list or on the map.
import { html, nothing } from "lit-html";
import type L from "leaflet";
import { type Page, errorMessage, update } from "../app";
import { type UserError, gql } from "../api";
import { AREAS, areaName, areas } from "../data";
import { enumLabel, formatTime, t } from "../i18n";
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

function localInput(date: Date): string {
  // datetime-local wants "YYYY-MM-DDTHH:MM" in the browser's time zone.
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

export class AlertsPage implements Page {
  private selected = new Set<string>();
  private all = false;
  // The alerts sent from this page (the API lists alerts by the viewer's followed areas only).
  private sent: Alert[] = [];
  private message = "";
  private messageKind: "ok" | "error" = "ok";
  private busy = false;
  private map: L.Map | null = null;
  private mapElement: HTMLElement | null = null;
  private layers = new Map<string, L.Path>();
  private tilesFailed = false;

  unmount(): void {
    this.map?.remove();
  }

  private toggle(id: string): void {
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
    update();
  }

  afterRender(): void {
    const element = document.getElementById("alerts-map");
    if (element && element !== this.mapElement) {
      this.map?.remove();
      this.mapElement = element;
      this.map = baseMap(element, () => {
        this.tilesFailed = true;
        update();
      });
      const group = Leaflet.geoJSON(AREAS as unknown as GeoJSON.FeatureCollection, {
        onEachFeature: (feature, layer) => {
          const id = (feature.properties as { slug: string }).slug;
          this.layers.set(id, layer as L.Path);
          layer.on("click", () => this.toggle(id));
          layer.bindTooltip(areaName(id));
        },
      }).addTo(this.map);
      this.map.fitBounds(group.getBounds());
    }
    for (const [id, layer] of this.layers) {
      const on = this.all || this.selected.has(id);
      layer.setStyle({ color: on ? "#b3261e" : "#1f4e79", weight: on ? 3 : 1, fillOpacity: on ? 0.35 : 0.08 });
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
          <fieldset>
            <legend>${t("areas")}</legend>
            <label class="whole-city"><input type="checkbox" .checked=${this.all} @change=${(e: Event) => {
              this.all = (e.target as HTMLInputElement).checked;
              update();
            }} /> ${t("wholeCity")}</label>
            <div class="area-list">
              ${areas().map(
                (a) => html`<label><input type="checkbox" name="area" value=${a.id} ?disabled=${this.all}
                  .checked=${this.selected.has(a.id)} @change=${() => this.toggle(a.id)} /> ${a.name}</label>`,
              )}
            </div>
            <p class="help">${t("areasMapHelp")}</p>
            <div id="alerts-map" class="map" role="region" aria-label=${t("areas")}></div>
            ${this.tilesFailed ? html`<p class="muted">${t("tilesFailed", { lat: "21.03", lng: "105.85" })}</p>` : nothing}
          </fieldset>
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
