// Every unit's status and last reported position, as its agency reports it.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { t, tOr } from "/shared/js/i18n.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { agencyName, empty, heading, lastPosition, statusBadge } from "/shared/js/widgets.js";

const STATUSES = ["available", "assigned", "en_route", "on_scene", "off_duty"];

export function mount(root) {
  let status = "";

  async function refresh() {
    const units = await api(`/api/v1/units${status ? `?status=${status}` : ""}`);
    replace(root, draw(units));
  }

  function draw(units) {
    const filter = h(
      "select",
      {
        id: "unit-status",
        "data-focus-key": "unit-status",
        onchange: (event) => {
          status = event.target.value;
          refresh();
        },
      },
      h("option", { value: "" }, t("units.all")),
      STATUSES.map((s) => h("option", { value: s, selected: s === status }, t(`unit_status.${s}`))),
    );
    const counts = Object.fromEntries(STATUSES.map((s) => [s, units.filter((u) => u.status === s).length]));
    return h(
      "section",
      {},
      heading(t("units.heading")),
      h(
        "div",
        { class: "stats" },
        STATUSES.map((s) => h("div", { class: "stat", dataset: { stat: s } }, h("span", {}, t(`unit_status.${s}`)), h("b", {}, counts[s]))),
      ),
      h("label", { class: "field", for: "unit-status" }, t("units.filter"), filter),
      units.length
        ? h(
            "table",
            { class: "units-table" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [t("unit.agency"), t("unit.name"), t("unit.kind"), t("unit.status"), t("unit.capabilities"), t("unit.position"), t("unit.task")].map(
                  (label) => h("th", { scope: "col" }, label),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              vocabulary.agencies.flatMap((a) =>
                units
                  .filter((u) => u.agency === a.id)
                  .map((u) =>
                    h(
                      "tr",
                      { dataset: { unitId: u.id, status: u.status } },
                      h("td", {}, agencyName(u.agency)),
                      h("td", {}, u.name, h("span", { class: "sub" }, u.id)),
                      h("td", {}, tOr(`unit_kind.${u.kind}`, u.kind)),
                      h("td", {}, statusBadge("unit_status", u.status)),
                      h("td", {}, u.capabilities.map((c) => t(`capability.${c}`)).join("、")),
                      h("td", {}, lastPosition(u.latitude, u.longitude, u.position_at)),
                      h("td", {}, u.task_id ? h("code", {}, u.task_id) : "—"),
                    ),
                  ),
              ),
            ),
          )
        : empty(t("units.empty")),
    );
  }

  return { refresh, onEvent: (event) => event.kind === "unit" || event.kind === "task" };
}
