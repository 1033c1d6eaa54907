// The form an incident is reported with, in the command room (any agency reports, any category)
// and in an agency's duty room (the agency itself reports, its own categories, the position
// picked on the district map or typed). The page does the call; the form gathers the body,
// shows what the server refused, and keeps one Idempotency-Key per incident, so a retried
// submission never creates a second one.

import { h } from "./dom.js";
import { named, t } from "./i18n.js";
import { positionPicker } from "./map.js";
import { agency, category, vocabulary } from "./vocabulary.js";

// The district government seat, a sensible default position inside Dongying District.
const DEFAULT_POSITION = { latitude: 37.4612, longitude: 118.4936 };

function field(id, label, control) {
  return h("label", { class: "field", for: id }, label, control);
}

function input(id, attrs = {}) {
  return h("input", { id, name: id, ...attrs });
}

// Options: sourceAgencies (a choice of who reports; none when the page's agency does),
// categories, involvedAgencies (checkboxes), geometry (draws a map that picks the position),
// channel (how the report came in), and submit(body, key) -> the created incident.
export function reportForm({ id, sourceAgencies = [], categories, involvedAgencies = [], geometry = null, channel, submit, done }) {
  let key = crypto.randomUUID();
  const error = h("p", { class: "wide error-text", id: `${id}-error`, role: "alert" });
  const latitude = input("latitude", { type: "number", step: "0.0001", min: 37.0, max: 38.0, required: true, value: DEFAULT_POSITION.latitude });
  const longitude = input("longitude", { type: "number", step: "0.0001", min: 118.0, max: 119.0, required: true, value: DEFAULT_POSITION.longitude });
  const mapHolder = geometry ? positionPicker(geometry, { latitude, longitude, hint: h("p", { class: "muted" }, t("intake.pick_on_map")) }) : null;

  async function onsubmit(event) {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    error.textContent = "";
    const body = {
      category: value("category"),
      level: value("level"),
      title: value("title"),
      description: value("description"),
      location: { latitude: Number(value("latitude")), longitude: Number(value("longitude")), address: value("address") },
      reporter: { name: value("reporter_name"), phone: value("reporter_phone"), channel },
      drill: form.elements.drill.checked,
    };
    if (sourceAgencies.length) body.source_agency = value("source_agency");
    if (involvedAgencies.length) body.involved_agencies = [...form.querySelectorAll("input[name=involved]:checked")].map((box) => box.value);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const incident = await submit(body, key);
      key = crypto.randomUUID();
      done(incident);
    } catch (failure) {
      const fields = (failure.body && failure.body.fields) || [];
      error.textContent = fields.length
        ? t("intake.invalid", { fields: fields.map((f) => f.field).join(", ") })
        : t("error.failed", { message: failure.message });
    } finally {
      button.disabled = false;
    }
  }

  const form = h(
    "form",
    { class: ["form", geometry && "with-map"], id, onsubmit },
    sourceAgencies.length
      ? field("source_agency", t("intake.source_agency"), h("select", { id: "source_agency", name: "source_agency", required: true }, sourceAgencies.map((a) => h("option", { value: a }, named(agency(a))))))
      : null,
    field("category", t("intake.category"), h("select", { id: "category", name: "category", required: true }, categories.map((c) => h("option", { value: c }, named(category(c)))))),
    field("level", t("intake.level"), h("select", { id: "level", name: "level", required: true }, vocabulary.levels.map((l) => h("option", { value: l, selected: l === "III" }, t(`level.${l}.name`))))),
    field("title", t("intake.title"), input("title", { required: true, maxlength: 200 })),
    h("div", { class: "wide" }, field("description", t("intake.description"), h("textarea", { id: "description", name: "description", maxlength: 4000 }))),
    field("address", t("intake.address"), input("address", { required: true, maxlength: 500 })),
    h("div", { class: "btn-row" }, field("latitude", t("intake.latitude"), latitude), field("longitude", t("intake.longitude"), longitude)),
    mapHolder,
    field("reporter_name", t("intake.reporter_name"), input("reporter_name", { maxlength: 100 })),
    field("reporter_phone", t("intake.reporter_phone"), input("reporter_phone", { maxlength: 40, pattern: "[0-9+\\- ]*", inputmode: "tel" })),
    involvedAgencies.length
      ? h(
          "fieldset",
          { class: "wide" },
          h("legend", {}, t("intake.involved")),
          h("div", { class: "checks" }, involvedAgencies.map((a) => h("label", {}, h("input", { type: "checkbox", name: "involved", value: a }), named(agency(a))))),
        )
      : null,
    h("label", { class: "wide checks" }, h("input", { type: "checkbox", id: "drill", name: "drill" }), t("intake.drill")),
    error,
    h("div", { class: "wide btn-row" }, h("button", { type: "submit", class: "btn btn-primary" }, t("intake.submit"))),
  );
  return form;
}
