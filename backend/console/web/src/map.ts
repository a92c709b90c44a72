// Leaflet with OpenStreetMap tiles. Tiles may not load (offline, blocked, rate-limited): the map
// still shows the vector layers (markers, ward and commune circles) on a plain background, and a note says so.
import L from "leaflet";

const TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png";
const ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';

export function baseMap(element: HTMLElement, onTilesFailed: () => void, options: L.MapOptions = {}): L.Map {
  const map = L.map(element, { scrollWheelZoom: false, keyboard: true, ...options });
  let reported = false;
  L.tileLayer(TILES, { attribution: ATTRIBUTION, maxZoom: 19, crossOrigin: false })
    .on("tileerror", () => {
      if (!reported) {
        reported = true;
        element.classList.add("tiles-failed");
        onTilesFailed();
      }
    })
    .addTo(map);
  return map;
}

export function pointMap(element: HTMLElement, lat: number, lng: number, onTilesFailed: () => void): L.Map {
  const map = baseMap(element, onTilesFailed);
  map.setView([lat, lng], 17);
  // A vector marker: Leaflet's default icon is an image whose URL bundlers cannot resolve.
  L.circleMarker([lat, lng], { radius: 10, color: "#b3261e", weight: 3, fillOpacity: 0.4 }).addTo(map);
  return map;
}

export { L };
