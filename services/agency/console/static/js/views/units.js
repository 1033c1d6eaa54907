// The agency's units: status (in the agency's own words) and last position, in a table and on
// the district map. "Update" opens the dialog: a new status, and a new position clicked on the
// map or typed.

import { api } from "/shared/js/api.js";
import { now } from "/shared/js/clocks.js";
import { h } from "/shared/js/dom.js";
import { lang, t, tOr } from "/shared/js/i18n.js";
import { districtMap, loadDistrict, positionPicker } from "/shared/js/map.js";
import { can } from "/shared/js/session.js";
import { empty, heading, lastPosition, statusBadge } from "/shared/js/widgets.js";
import { ownWord } from "../agency.js";
import { openDialog } from "../dialog.js";
import { redrawer } from "../redraw.js";

const STATUSES = ["available", "assigned", "en_route", "on_scene", "off_duty"];

function marker(unit) {
  return {
    id: unit.id,
    latitude: unit.position.latitude,
    longitude: unit.position.longitude,
    status: unit.status,
    busy: unit.status !== "available" && unit.status !== "off_duty",
    text: `${unit.name} · ${ownWord("unit_status", unit)}`,
  };
}

export function mount(root, _params, context) {
  const redraw = redrawer(root);

  async function refresh() {
    const [map, units] = await Promise.all([loadDistrict(), api(`/api/v1/units?lang=${lang()}`)]);
    // The positions' ages are in minutes: a new minute is a change too.
    redraw({ units, minute: Math.floor(now() / 60000) }, () => draw(map, units));
  }

  function update(map, unit) {
    const latitude = h("input", { id: "unit-latitude", name: "latitude", type: "number", step: "0.00001", min: -90, max: 90, required: true, value: unit.position.latitude });
    const longitude = h("input", { id: "unit-longitude", name: "longitude", type: "number", step: "0.00001", min: -180, max: 180, required: true, value: unit.position.longitude });
    const holder = positionPicker(map, { latitude, longitude, units: [marker(unit)] });
    openDialog({
      id: "unit-update",
      title: t("console.units.update_title", { unit: unit.name }),
      wide: true,
      returnFocusKey: `update-${unit.id}`,
      submit: t("console.units.save"),
      fields: h(
        "div",
        { class: "dialog-split" },
        h(
          "div",
          {},
          h(
            "label",
            { class: "field", for: "unit-status" },
            t("unit.status"),
            h("select", { id: "unit-status", name: "status" }, STATUSES.map((status) => h("option", { value: status, selected: status === unit.status }, ownWord("unit_status", { status })))),
          ),
          h("label", { class: "field", for: "unit-latitude" }, t("intake.latitude"), latitude),
          h("label", { class: "field", for: "unit-longitude" }, t("intake.longitude"), longitude),
          h("p", { class: "muted" }, t("intake.pick_on_map")),
        ),
        holder,
      ),
      onSubmit: async (form) => {
        const body = {};
        if (form.elements.status.value !== unit.status) body.status = form.elements.status.value;
        const position = { latitude: Number(latitude.value), longitude: Number(longitude.value) };
        if (position.latitude !== unit.position.latitude || position.longitude !== unit.position.longitude) Object.assign(body, position);
        if (Object.keys(body).length) await api(`/api/v1/units/${encodeURIComponent(unit.id)}?lang=${lang()}`, { method: "POST", body });
        context.toast(t("console.units.saved", { unit: unit.name }));
        await refresh();
      },
    });
  }

  function row(map, unit) {
    return h(
      "tr",
      { dataset: { unitId: unit.id, status: unit.status } },
      h("td", {}, unit.name, h("span", { class: "sub" }, unit.id)),
      h("td", {}, tOr(`unit_kind.${unit.kind}`, unit.kind), h("span", { class: "sub" }, unit.capabilities.map((c) => tOr(`capability.${c}`, c)).join("、"))),
      h("td", {}, statusBadge("unit_status", unit.status, ownWord("unit_status", unit))),
      h("td", {}, lastPosition(unit.position.latitude, unit.position.longitude, unit.position.at)),
      h("td", {}, can("units") ? updateButton(map, unit) : null),
    );
  }

  function updateButton(map, unit) {
    return h(
      "button",
      {
        type: "button",
        class: "btn",
        dataset: { action: "update" },
        "data-focus-key": `update-${unit.id}`,
        "aria-label": t("console.units.update_for", { unit: unit.name }),
        onclick: () => update(map, unit),
      },
      t("console.units.update"),
    );
  }

  function draw(map, units) {
    return h(
      "section",
      {},
      heading(t("units.heading")),
      h(
        "div",
        { class: "stats" },
        STATUSES.map((status) =>
          h("div", { class: "stat", dataset: { stat: status } }, h("span", {}, ownWord("unit_status", { status })), h("b", {}, units.filter((u) => u.status === status).length)),
        ),
      ),
      units.length
        ? h(
            "div",
            { class: "split" },
            h(
              "table",
              { class: "units-table" },
              h("thead", {}, h("tr", {}, [t("unit.name"), t("unit.kind"), t("unit.status"), t("unit.position"), ""].map((label) => h("th", { scope: "col" }, label)))),
              h("tbody", {}, units.map((unit) => row(map, unit))),
            ),
            districtMap(map, { units: units.map(marker) }),
          )
        : empty(t("units.empty")),
    );
  }

  return { refresh };
}
