// The reports of the queue's current filter on a map, clustered (Leaflet.markercluster): a busy
// ward shows one circle with a count until one zooms in. Markers are HTML (divIcon), not images,
// so the bundle needs no marker picture and the CSP no inline style.
import "leaflet.markercluster";
import "leaflet.markercluster/dist/MarkerCluster.css";
import "leaflet.markercluster/dist/MarkerCluster.Default.css";
import { L, baseMap } from "../map";
import { statusLabel, t } from "../i18n";

export interface MapRow {
  id: string;
  status: string;
  priority: string;
  description: string;
  location: { lat: number; lng: number };
}

/** Hanoi's centre, for an empty map. */
const HANOI: L.LatLngTuple = [21.0285, 105.8542];

export class QueueMap {
  private map: L.Map | null = null;
  private element: HTMLElement | null = null;
  private clusters: L.MarkerClusterGroup | null = null;
  private shown = "";

  /** Draw (or redraw) the map in this element with these rows; cheap when nothing changed. */
  show(element: HTMLElement, rows: MapRow[], onTilesFailed: () => void): void {
    if (element !== this.element) {
      this.remove();
      this.element = element;
      // No animations: the page may drop the map (navigation, refresh) in the middle of one,
      // and Leaflet then throws from a detached animation frame.
      this.map = baseMap(element, onTilesFailed, {
        zoomAnimation: false,
        fadeAnimation: false,
        markerZoomAnimation: false,
      });
      this.map.setView(HANOI, 12);
      this.clusters = L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 50,
        animate: false,
      });
      this.map.addLayer(this.clusters);
    }
    const key = rows.map((r) => `${r.id}:${r.status}:${r.priority}`).join(",");
    if (key === this.shown || !this.map || !this.clusters) return;
    this.shown = key;
    this.clusters.clearLayers();
    const markers = rows.map((row) => this.marker(row));
    this.clusters.addLayers(markers);
    if (markers.length) {
      this.map.fitBounds(L.latLngBounds(rows.map((r) => [r.location.lat, r.location.lng] as L.LatLngTuple)), {
        padding: [30, 30],
        maxZoom: 16,
        animate: false,
      });
    }
  }

  private marker(row: MapRow): L.Marker {
    const label = `${statusLabel(row.status)}: ${row.description.slice(0, 80)}`;
    const marker = L.marker([row.location.lat, row.location.lng], {
      title: label,
      alt: label,
      keyboard: true,
      icon: L.divIcon({
        className: `report-marker priority-${row.priority.toLowerCase()} status-${row.status.toLowerCase()}`,
        iconSize: [18, 18],
      }),
    });
    // A DOM node, not an HTML string: the description is the resident's text.
    const popup = document.createElement("div");
    const link = document.createElement("a");
    link.href = `#/report/${row.id}`;
    link.textContent = row.description.slice(0, 120) || row.id;
    const status = document.createElement("p");
    status.textContent = statusLabel(row.status);
    popup.append(status, link);
    marker.bindPopup(popup);
    return marker;
  }

  remove(): void {
    this.map?.remove();
    this.map = null;
    this.element = null;
    this.clusters = null;
    this.shown = "";
  }
}

export function mapNote(count: number, more: boolean): string {
  return more ? t("mapShownMore", { count }) : t("mapShown", { count });
}
