// A map of Dongying District drawn from the geometry shipped with the platform
// (/web/map/dongying.json, schematic, WGS-84): the district outline, a grid of cells, main
// roads, the river and the towns and streets, with open incidents and units placed by their
// latitude and longitude. Nothing is fetched from a tile server.

import { api } from "../api.js";
import { isOverdue } from "../clocks.js";
import { h, replace, s } from "../dom.js";
import { lang, named, t } from "../i18n.js";
import { vocabulary } from "../vocabulary.js";
import { agencyName, heading } from "./common.js";

const WIDTH = 1000;
const GRID_STEP = 0.05;
let geometry = null;

async function loadGeometry() {
  if (!geometry) geometry = await fetch("/web/map/dongying.json").then((r) => r.json());
  return geometry;
}

function projection(bbox) {
  const [west, south, east, north] = bbox;
  const kx = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const scale = WIDTH / ((east - west) * kx);
  const height = (north - south) * scale;
  return {
    height,
    point: ([lon, lat]) => [(lon - west) * kx * scale, (north - lat) * scale],
  };
}

function path(points, project, close) {
  return points.map((p, i) => `${i ? "L" : "M"}${project(p).map((v) => v.toFixed(1)).join(",")}`).join("") + (close ? "Z" : "");
}

export function mount(root) {
  let showUnits = true;

  async function refresh() {
    const [map, boards, units] = await Promise.all([
      loadGeometry(),
      Promise.all(vocabulary.centers.map((c) => api(`/api/v1/centers/${c.id}/board`))),
      api("/api/v1/units"),
    ]);
    const incidents = boards.flatMap((board) => board.incidents);
    replace(root, draw(map, incidents, units));
  }

  function draw(map, incidents, units) {
    const { height, point } = projection(map.bbox);
    const label = (props) => (lang() === "zh" ? props.name_zh : props.name_en);
    const layers = { district: [], grid: [], river: [], road: [], town: [] };
    for (const feature of map.features) {
      const props = feature.properties;
      const geom = feature.geometry;
      if (geom.type === "Polygon") {
        layers.district.push(s("path", { class: "district", d: path(geom.coordinates[0], point, true) }, s("title", {}, label(props))));
      } else if (geom.type === "LineString") {
        const d = path(geom.coordinates, point, false);
        const kind = props.kind === "river" ? "river" : "road";
        layers[kind].push(s("path", { class: [kind, props.class], d }, s("title", {}, label(props))));
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

    const unitMarkers = showUnits
      ? units.map((unit) => {
          const [x, y] = point([unit.longitude, unit.latitude]);
          const busy = unit.status !== "available" && unit.status !== "off_duty";
          return s(
            "g",
            { class: "unit", dataset: { unitId: unit.id, status: unit.status } },
            s("rect", { class: ["unit-marker", busy && "busy", unit.status], x: x - 6, y: y - 6, width: 12, height: 12, transform: `rotate(45 ${x} ${y})` }),
            s("title", {}, `${unit.name} · ${agencyName(unit.agency)} · ${t(`unit_status.${unit.status}`)}`),
          );
        })
      : [];
    const incidentMarkers = incidents.map((item) => {
      const incident = item.incident;
      const [x, y] = point([incident.location.longitude, incident.location.latitude]);
      const overdue = item.overdue || item.tasks.some((task) => task.clocks.some(isOverdue));
      const text = `${t(`level.${incident.level}.name`)} · ${incident.title}${overdue ? ` · ${t("board.overdue_flag")}` : ""}`;
      return s(
        "a",
        { href: `#/incident/${incident.id}`, class: "incident", "aria-label": text, dataset: { incidentId: incident.id, level: incident.level, overdue: String(overdue) } },
        overdue ? s("circle", { class: "overdue-ring", cx: x, cy: y, r: 17 }) : null,
        s("circle", { class: ["incident-marker", "marker-ring", `lvl-${incident.level}`], cx: x, cy: y, r: 11 }),
        s("text", { class: ["marker-label", incident.level === "III" && "lvl-III-text"], x, y: y + 4, "text-anchor": "middle" }, incident.level),
        s("title", {}, text),
      );
    });

    const svg = s(
      "svg",
      { class: "map", viewBox: `0 0 ${WIDTH} ${height.toFixed(0)}`, role: "group", "aria-label": t("map.label"), preserveAspectRatio: "xMidYMid meet" },
      s("g", { class: "layer-district" }, layers.district),
      s("g", { class: "layer-grid" }, layers.grid),
      s("g", { class: "layer-river" }, layers.river),
      s("g", { class: "layer-roads" }, layers.road),
      s("g", { class: "layer-towns" }, layers.town),
      s("g", { class: "layer-units" }, unitMarkers),
      s("g", { class: "layer-incidents" }, incidentMarkers),
    );
    const toggle = h("input", {
      type: "checkbox",
      id: "show-units",
      checked: showUnits,
      "data-focus-key": "show-units",
      onchange: (event) => {
        showUnits = event.target.checked;
        refresh();
      },
    });
    return h(
      "section",
      {},
      heading(t("map.heading")),
      h(
        "div",
        { class: "map-wrap" },
        svg,
        h(
          "div",
          {},
          h("label", { class: "checks" }, toggle, t("map.show_units")),
          h("h2", {}, t("map.legend")),
          h(
            "ul",
            { class: "legend" },
            vocabulary.levels.map((level) =>
              h("li", {}, legendSwatch(s("circle", { class: ["incident-marker", `lvl-${level}`], cx: 9, cy: 9, r: 7 })), t(`level.${level}.name`)),
            ),
            h("li", {}, legendSwatch(s("circle", { class: "overdue-ring", cx: 9, cy: 9, r: 7 })), t("board.overdue_flag")),
            h("li", {}, legendSwatch(s("rect", { class: "unit-marker", x: 4, y: 4, width: 10, height: 10 })), t("map.unit_available")),
            h("li", {}, legendSwatch(s("rect", { class: "unit-marker busy", x: 4, y: 4, width: 10, height: 10 })), t("map.unit_busy")),
            h("li", {}, legendSwatch(s("path", { class: "road", d: "M1 9H17" })), t("map.road")),
            h("li", {}, legendSwatch(s("path", { class: "river", d: "M1 9H17" })), t("map.river")),
          ),
          h("p", { class: "muted" }, t("map.schematic", { name: named(map.properties) })),
          h("p", { class: "muted" }, t("map.counts", { incidents: incidents.length, units: units.length })),
        ),
      ),
    );
  }

  return { refresh };
}

function legendSwatch(shape) {
  return s("svg", { viewBox: "0 0 18 18", class: "swatch", "aria-hidden": "true" }, shape);
}
