// Transformer maps without any tile server: Leaflet draws a GeoJSON background (grid areas,
// streets, feeders: whatever the DSO provides) and the transformers as keyboard-focusable
// markers coloured by traffic light, each also labelled with its light in words.
//
//   const map = transformerMap(element, { background, transformers, onSelect, label });
//   // transformers: [{ id, name, lat, lon, light: "green" | "yellow" | "orange" | "red" }]
//   map.select(id);   map.update(transformers);
import { map as leafletMap, geoJSON, marker, divIcon, latLngBounds } from "leaflet/dist/leaflet-src.esm.js";
import "leaflet/dist/leaflet.css";

export const LIGHTS = ["green", "yellow", "orange", "red"];

export function transformerMap(container, { background = null, transformers = [], onSelect = null, label = "Map of transformers" }) {
  container.classList.add("map");
  const map = leafletMap(container, { attributionControl: false, zoomSnap: 0.25, keyboard: true });
  container.setAttribute("aria-label", `${label} (arrow keys pan, plus and minus zoom)`);
  container.setAttribute("role", "region");
  if (background) {
    geoJSON(background, {
      interactive: false,
      style: (feature) => ({
        color: feature?.properties?.stroke ?? "#7a8a99",
        weight: feature?.properties?.weight ?? 1,
        fillColor: feature?.properties?.fill ?? "#dfe7ee",
        fillOpacity: 0.6,
      }),
    }).addTo(map);
  }
  const markers = new Map();

  function update(list) {
    for (const m of markers.values()) m.remove();
    markers.clear();
    // The view first: Leaflet creates a marker's element only on a map that has a view.
    const points = list.map((t) => [t.lat, t.lon]);
    if (points.length) map.fitBounds(latLngBounds(points).pad(0.3));
    else map.setView([0, 0], 2);
    for (const t of list) {
      if (!LIGHTS.includes(t.light)) throw new RangeError(`unknown traffic light ${t.light} for ${t.name}`);
      const title = `${t.name}: ${t.light}`;
      const m = marker([t.lat, t.lon], {
        keyboard: true,
        title,
        icon: divIcon({
          className: `transformer-marker light-${t.light}`,
          html: `<span class="transformer-dot" aria-hidden="true"></span>`,
          iconSize: [22, 22],
        }),
      }).addTo(map);
      m.getElement().setAttribute("aria-label", `Transformer ${title}`);
      m.getElement().dataset.transformerId = String(t.id);
      m.on("click", () => onSelect?.(t));
      // Leaflet gives the marker role="button" and a tab stop; Enter and Space select it too.
      m.getElement().addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          onSelect?.(t);
        }
      });
      markers.set(t.id, m);
    }
  }

  update(transformers);
  return {
    map,
    update,
    select(id) {
      const m = markers.get(id);
      if (m) {
        map.panTo(m.getLatLng());
        m.getElement().focus();
      }
    },
    markers,
  };
}
