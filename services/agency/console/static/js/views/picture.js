// The picture as this agency holds it: every incident of the platform, most severe first, or
// only "ours" (reported here, or with a task here), listed and on the district map.

import { api } from "/shared/js/api.js";
import { h } from "/shared/js/dom.js";
import { formatTime, t } from "/shared/js/i18n.js";
import { districtMap, loadDistrict } from "/shared/js/map.js";
import { agencyName, categoryName, drillBadge, empty, heading, levelBadge, statusBadge, viewSwitch } from "/shared/js/widgets.js";
import { redrawer } from "../redraw.js";

export function mount(root, _params, context) {
  let ours = false;
  const redraw = redrawer(root);

  async function refresh() {
    const [map, incidents] = await Promise.all([loadDistrict(), api(`/api/v1/incidents${ours ? "?ours=true" : ""}`)]);
    redraw({ incidents, ours }, () => draw(map, incidents));
  }

  function marker(incident) {
    return {
      id: incident.id,
      level: incident.level,
      latitude: incident.latitude,
      longitude: incident.longitude,
      href: `#/incident/${incident.id}`,
      text: `${t(`level.${incident.level}.name`)} · ${incident.title}`,
    };
  }

  function row(incident) {
    return h(
      "tr",
      { class: `lvl-${incident.level}`, dataset: { incidentId: incident.id, ours: String(Boolean(incident.ours)) } },
      h("td", {}, levelBadge(incident.level)),
      h(
        "td",
        { class: "title" },
        h("a", { href: `#/incident/${incident.id}`, "data-focus-key": `incident-${incident.id}` }, incident.title),
        incident.drill ? [" ", drillBadge()] : null,
        incident.ours ? [" ", h("span", { class: "badge badge-ok" }, t("console.picture.ours_badge"))] : null,
        h("span", { class: "sub" }, `${categoryName(incident.category)} · ${incident.address}`),
      ),
      h("td", {}, statusBadge("incident_status", incident.status)),
      h("td", {}, agencyName(incident.source_agency)),
      h("td", {}, h("time", { datetime: incident.reported_at }, formatTime(incident.reported_at, true))),
    );
  }

  function draw(map, incidents) {
    return h(
      "section",
      {},
      heading(t("console.picture.heading")),
      viewSwitch({
        id: "ours-only",
        checked: ours,
        label: t("console.picture.ours"),
        onChange: (checked) => {
          ours = checked;
          refresh().catch(context.toastError);
        },
      }),
      incidents.length
        ? h(
            "div",
            { class: "split" },
            h(
              "table",
              { class: "picture-table" },
              h(
                "thead",
                {},
                h("tr", {}, [t("console.col.level"), t("console.col.incident"), t("console.col.status"), t("incident.source_agency"), t("incident.reported_at")].map((label) => h("th", { scope: "col" }, label))),
              ),
              h("tbody", {}, incidents.map(row)),
            ),
            districtMap(map, { incidents: incidents.map(marker) }),
          )
        : empty(ours ? t("console.picture.empty_ours") : t("console.picture.empty")),
    );
  }

  return { refresh };
}
