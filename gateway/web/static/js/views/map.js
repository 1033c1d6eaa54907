// The command room's map: every open incident of every center's board (by level, with an
// overdue ring) and every unit (by status) on the district map all pages share.

import { api } from "/shared/js/api.js";
import { isOverdue } from "/shared/js/clocks.js";
import { h, replace } from "/shared/js/dom.js";
import { t } from "/shared/js/i18n.js";
import { districtMap, loadDistrict, mapLegend } from "/shared/js/map.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { agencyName, heading, viewSwitch } from "/shared/js/widgets.js";

export function mount(root) {
  let showUnits = true;

  async function refresh() {
    const [map, boards, units] = await Promise.all([
      loadDistrict(),
      Promise.all(vocabulary.centers.map((c) => api(`/api/v1/centers/${c.id}/board`))),
      api("/api/v1/units"),
    ]);
    const incidents = boards.flatMap((board) => board.incidents);
    replace(root, draw(map, incidents, units));
  }

  function incidentMarker(item) {
    const incident = item.incident;
    const overdue = item.overdue || item.tasks.some((task) => task.clocks.some(isOverdue));
    return {
      id: incident.id,
      level: incident.level,
      latitude: incident.location.latitude,
      longitude: incident.location.longitude,
      overdue,
      href: `#/incident/${incident.id}`,
      text: `${t(`level.${incident.level}.name`)} · ${incident.title}${overdue ? ` · ${t("clock.overdue_flag")}` : ""}`,
    };
  }

  function unitMarker(unit) {
    return {
      id: unit.id,
      latitude: unit.latitude,
      longitude: unit.longitude,
      status: unit.status,
      busy: unit.status !== "available" && unit.status !== "off_duty",
      text: `${unit.name} · ${agencyName(unit.agency)} · ${t(`unit_status.${unit.status}`)}`,
    };
  }

  function draw(map, incidents, units) {
    return h(
      "section",
      {},
      heading(t("map.heading")),
      h(
        "div",
        { class: "map-wrap" },
        districtMap(map, { incidents: incidents.map(incidentMarker), units: showUnits ? units.map(unitMarker) : [] }),
        h(
          "div",
          {},
          viewSwitch({
            id: "show-units",
            checked: showUnits,
            label: t("map.show_units"),
            onChange: (checked) => {
              showUnits = checked;
              refresh();
            },
          }),
          mapLegend(map, vocabulary.levels),
          h("p", { class: "muted" }, t("map.counts", { incidents: incidents.length, units: units.length })),
        ),
      ),
    );
  }

  return { refresh };
}
