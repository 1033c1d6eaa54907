// The intake form: an incident reported from the command room. One Idempotency-Key per
// form, so a retried submission never creates a second incident.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { named, t } from "/shared/js/i18n.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { heading } from "/shared/js/widgets.js";

// The district government seat, a sensible default position inside Dongying District.
const DEFAULT_POSITION = { latitude: 37.4612, longitude: 118.4936 };

export function mount(root, _params, context) {
  let key = crypto.randomUUID();

  function field(id, label, control, hint) {
    return h("label", { class: "field", for: id }, label, control, hint ? h("span", { class: "hint" }, hint) : null);
  }

  function draw() {
    const input = (id, attrs = {}) => h("input", { id, name: id, ...attrs });
    const form = h(
      "form",
      { class: "form", id: "intake-form", novalidate: false, onsubmit: submit },
      field("source_agency", t("intake.source_agency"), h("select", { id: "source_agency", name: "source_agency", required: true }, vocabulary.agencies.map((a) => h("option", { value: a.id }, named(a))))),
      field("category", t("intake.category"), h("select", { id: "category", name: "category", required: true }, vocabulary.categories.map((c) => h("option", { value: c.id }, named(c))))),
      field("level", t("intake.level"), h("select", { id: "level", name: "level", required: true }, vocabulary.levels.map((l) => h("option", { value: l, selected: l === "III" }, t(`level.${l}.name`))))),
      field("title", t("intake.title"), input("title", { required: true, maxlength: 200 })),
      h("div", { class: "wide" }, field("description", t("intake.description"), h("textarea", { id: "description", name: "description", maxlength: 4000 }))),
      field("address", t("intake.address"), input("address", { required: true, maxlength: 500 })),
      h(
        "div",
        { class: "btn-row" },
        field("latitude", t("intake.latitude"), input("latitude", { type: "number", step: "0.0001", min: 37.0, max: 38.0, required: true, value: DEFAULT_POSITION.latitude })),
        field("longitude", t("intake.longitude"), input("longitude", { type: "number", step: "0.0001", min: 118.0, max: 119.0, required: true, value: DEFAULT_POSITION.longitude })),
      ),
      field("reporter_name", t("intake.reporter_name"), input("reporter_name", { maxlength: 100 })),
      field("reporter_phone", t("intake.reporter_phone"), input("reporter_phone", { maxlength: 40, pattern: "[0-9+\\- ]*", inputmode: "tel" })),
      h(
        "fieldset",
        { class: "wide" },
        h("legend", {}, t("intake.involved")),
        h("div", { class: "checks" }, vocabulary.agencies.map((a) => h("label", {}, h("input", { type: "checkbox", name: "involved", value: a.id }), named(a)))),
      ),
      h("label", { class: "wide checks" }, h("input", { type: "checkbox", id: "drill", name: "drill" }), t("intake.drill")),
      h("p", { class: "wide error-text", id: "intake-error", role: "alert" }),
      h("div", { class: "wide btn-row" }, h("button", { type: "submit", class: "btn btn-primary" }, t("intake.submit"))),
    );
    replace(root, h("section", {}, heading(t("intake.heading")), h("p", { class: "muted" }, t("intake.help")), form));
  }

  async function submit(event) {
    event.preventDefault();
    const form = event.target;
    const value = (name) => form.elements[name].value.trim();
    const error = root.querySelector("#intake-error");
    error.textContent = "";
    const body = {
      source_agency: value("source_agency"),
      category: value("category"),
      level: value("level"),
      title: value("title"),
      description: value("description"),
      location: { latitude: Number(value("latitude")), longitude: Number(value("longitude")), address: value("address") },
      reporter: { name: value("reporter_name"), phone: value("reporter_phone"), channel: "command-room" },
      drill: form.elements.drill.checked,
      involved_agencies: [...form.querySelectorAll("input[name=involved]:checked")].map((box) => box.value),
    };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const incident = await api("/api/v1/incidents", { method: "POST", body, headers: { "Idempotency-Key": key } });
      key = crypto.randomUUID();
      context.toast(t("intake.created", { title: incident.title }));
      context.navigate(`#/incident/${incident.id}`);
    } catch (failure) {
      const fields = (failure.body && failure.body.fields) || [];
      error.textContent = fields.length
        ? t("intake.invalid", { fields: fields.map((f) => f.field).join(", ") })
        : t("error.failed", { message: failure.message });
      if (failure.status === 403) context.toastError(failure);
    } finally {
      button.disabled = false;
    }
  }

  return {
    refresh: async () => {
      if (!root.querySelector("#intake-form")) draw();
    },
    onEvent: () => false,
  };
}
