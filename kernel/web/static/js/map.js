// The map of Dongying District every page draws, from the geometry shipped with the platform
// (/shared/map/dongying.json, schematic, WGS-84): the district outline, a grid of lettered and
// numbered cells, main roads, the rivers and the towns and streets, with incidents and units
// placed by their latitude and longitude. Nothing is fetched from a tile server.
//
// A page hands over plain markers, so the map knows nothing of boards or tasks:
//   incidents: [{ id, level, latitude, longitude, text, overdue, href }]
//   units:     [{ id, latitude, longitude, status, busy, text }]
// and, to let a click choose a position, onPick({ latitude, longitude }); the point picked last
// is drawn as a cross (`picked`).

import { h, s } from "./dom.js";
import { lang, named, t } from "./i18n.js";

const WIDTH = 1000;
const GRID_STEP = 0.05;
let geometry = null;

export async function loadDistrict() {
  if (!geometry) geometry = await fetch("/shared/map/dongying.json").then((r) => r.json());
  return geometry;
}

// Equirectangular, scaled by the cosine of the middle latitude: true enough for a district.
export function projection(bbox) {
  const [west, south, east, north] = bbox;
  const kx = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const scale = WIDTH / ((east - west) * kx);
  return {
    height: (north - south) * scale,
    point: ([lon, lat]) => [(lon - west) * kx * scale, (north - lat) * scale],
    position: ([x, y]) => ({ latitude: north - y / scale, longitude: west + x / (kx * scale) }),
  };
}

function path(points, project, close) {
  return points.map((p, i) => `${i ? "L" : "M"}${project(p).map((v) => v.toFixed(1)).join(",")}`).join("") + (close ? "Z" : "");
}

function baseLayers(map, point, height) {
  const label = (props) => (lang() === "zh" ? props.name_zh : props.name_en);
  const layers = { district: [], grid: [], river: [], road: [], town: [] };
  for (const feature of map.features) {
    const props = feature.properties;
    const geom = feature.geometry;
    if (geom.type === "Polygon") {
      layers.district.push(s("path", { class: "district", d: path(geom.coordinates[0], point, true) }, s("title", {}, label(props))));
    } else if (geom.type === "LineString") {
      const kind = props.kind === "river" ? "river" : "road";
      layers[kind].push(s("path", { class: [kind, props.class], d: path(geom.coordinates, point, false) }, s("title", {}, label(props))));
      const [x, y] = point(geom.coordinates[props.label_at ?? 0]);
      layers[kind].push(s("text", { class: "road-label", x: x + 4, y: y - 4 }, label(props)));
    } else if (geom.type === "Point") {
      const [x, y] = point(geom.coordinates);
      layers.town.push(s("circle", { class: "town", cx: x, cy: y, r: 3 }), s("text", { class: "town-label", x: x + 6, y: y + 4 }, label(props)));
    }
  }
  const [west, south, east, north] = map.bbox;
  let column = 0;
  for (let lon = Math.ceil(west / GRID_STEP) * GRID_STEP; lon < east; lon += GRID_STEP) {
    const [x] = point([lon, north]);
    layers.grid.push(s("line", { class: "grid-line", x1: x, y1: 0, x2: x, y2: height }));
    layers.grid.push(s("text", { class: "grid-label", x: x + 3, y: 12 }, String.fromCharCode(65 + column++)));
  }
  let rowNumber = 1;
  for (let lat = Math.floor(north / GRID_STEP) * GRID_STEP; lat > south; lat -= GRID_STEP) {
    const [, y] = point([west, lat]);
    layers.grid.push(s("line", { class: "grid-line", x1: 0, y1: y, x2: WIDTH, y2: y }));
    layers.grid.push(s("text", { class: "grid-label", x: 3, y: y - 3 }, String(rowNumber++)));
  }
  return layers;
}

function unitMarker(unit, point) {
  const [x, y] = point([unit.longitude, unit.latitude]);
  return s(
    "g",
    { class: "unit", dataset: { unitId: unit.id, status: unit.status } },
    s("rect", { class: ["unit-marker", unit.busy && "busy", unit.status], x: x - 6, y: y - 6, width: 12, height: 12, transform: `rotate(45 ${x} ${y})` }),
    s("title", {}, unit.text),
  );
}

function incidentMarker(incident, point) {
  const [x, y] = point([incident.longitude, incident.latitude]);
  return s(
    "a",
    { href: incident.href, class: "incident", "aria-label": incident.text, dataset: { incidentId: incident.id, level: incident.level, overdue: String(Boolean(incident.overdue)) } },
    incident.overdue ? s("circle", { class: "overdue-ring", cx: x, cy: y, r: 17 }) : null,
    s("circle", { class: ["incident-marker", "marker-ring", `lvl-${incident.level}`], cx: x, cy: y, r: 11 }),
    s("text", { class: ["marker-label", incident.level === "III" && "lvl-III-text"], x, y: y + 4, "text-anchor": "middle" }, incident.level),
    s("title", {}, incident.text),
  );
}

function pickedMarker(picked, point) {
  const [x, y] = point([picked.longitude, picked.latitude]);
  return s("path", { class: "picked", d: `M${x - 12},${y}H${x + 12}M${x},${y - 12}V${y + 12}` });
}

export function districtMap(map, { incidents = [], units = [], picked = null, onPick = null } = {}) {
  const { height, point, position } = projection(map.bbox);
  const layers = baseLayers(map, point, height);
  const svg = s(
    "svg",
    {
      class: ["map", onPick && "pickable"],
      viewBox: `0 0 ${WIDTH} ${height.toFixed(0)}`,
      role: "group",
      "aria-label": t("map.label"),
      preserveAspectRatio: "xMidYMid meet",
    },
    s("g", { class: "layer-district" }, layers.district),
    s("g", { class: "layer-grid" }, layers.grid),
    s("g", { class: "layer-river" }, layers.river),
    s("g", { class: "layer-roads" }, layers.road),
    s("g", { class: "layer-towns" }, layers.town),
    s("g", { class: "layer-units" }, units.map((unit) => unitMarker(unit, point))),
    s("g", { class: "layer-incidents" }, incidents.map((incident) => incidentMarker(incident, point))),
    picked ? s("g", { class: "layer-picked" }, pickedMarker(picked, point)) : null,
  );
  if (onPick) {
    svg.addEventListener("click", (event) => {
      const at = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
      const chosen = position([at.x, at.y]);
      onPick({ latitude: Number(chosen.latitude.toFixed(5)), longitude: Number(chosen.longitude.toFixed(5)) });
    });
  }
  return svg;
}

// A map on which a click picks a position, kept in step with the two inputs that hold it (a
// typed value moves the mark too). `hint` is drawn above the map; `units` are shown on it.
export function positionPicker(map, { latitude, longitude, units = [], hint = null }) {
  const holder = h("div", { class: "pick-map" });
  function draw() {
    const picked = { latitude: Number(latitude.value), longitude: Number(longitude.value) };
    const onPick = (position) => {
      latitude.value = position.latitude;
      longitude.value = position.longitude;
      draw();
    };
    holder.replaceChildren(...[hint, districtMap(map, { units, picked, onPick })].filter(Boolean));
  }
  latitude.addEventListener("change", draw);
  longitude.addEventListener("change", draw);
  draw();
  return holder;
}

function swatch(shape) {
  return s("svg", { viewBox: "0 0 18 18", class: "swatch", "aria-hidden": "true" }, shape);
}

// What the marks mean, and that the map is a sketch.
export function mapLegend(map, levels) {
  return [
    h("h2", {}, t("map.legend")),
    h(
      "ul",
      { class: "legend" },
      levels.map((level) => h("li", {}, swatch(s("circle", { class: ["incident-marker", `lvl-${level}`], cx: 9, cy: 9, r: 7 })), t(`level.${level}.name`))),
      h("li", {}, swatch(s("circle", { class: "overdue-ring", cx: 9, cy: 9, r: 7 })), t("clock.overdue_flag")),
      h("li", {}, swatch(s("rect", { class: "unit-marker", x: 4, y: 4, width: 10, height: 10 })), t("map.unit_available")),
      h("li", {}, swatch(s("rect", { class: "unit-marker busy", x: 4, y: 4, width: 10, height: 10 })), t("map.unit_busy")),
      h("li", {}, swatch(s("path", { class: "road", d: "M1 9H17" })), t("map.road")),
      h("li", {}, swatch(s("path", { class: "river", d: "M1 9H17" })), t("map.river")),
    ),
    h("p", { class: "muted" }, t("map.schematic", { name: named(map.properties) })),
  ];
}
