// Key persons (重点人员), for those who hold the key-persons permission: the register with
// identities masked, a person's identity revealed only with a reason (the server writes every
// read, with its reason, to the audit log and says which entry), and a form to register one.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { named, t } from "/shared/js/i18n.js";
import { empty, factRow, heading } from "/shared/js/widgets.js";

export function mount(root, _params, context) {
  let categories = [];
  // person id -> the identity read for it, shown until the view is left.
  const revealed = new Map();
  let adding = false;

  const categoryName = (id) => named(categories.find((c) => c.id === id)) || id;

  async function refresh() {
    if (!categories.length) categories = await api("/api/v1/key-persons/categories");
    replace(root, draw(await api("/api/v1/key-persons")));
  }

  function refusal(failure) {
    const fields = (failure.body && failure.body.fields) || [];
    return fields.length ? fields.map((f) => `${f.field}: ${f.message}`).join("; ") : failure.message;
  }

  function revealForm(person) {
    const error = h("span", { class: "error-text", role: "alert" });
    const reason = h("input", { name: "reason", id: `reason-${person.id}`, required: true, maxlength: 500, placeholder: t("key_persons.reason_hint"), "aria-label": t("key_persons.reason") });
    const form = h(
      "form",
      { class: "btn-row reveal", dataset: { personId: person.id } },
      reason,
      h("button", { type: "submit", class: "btn", dataset: { action: "reveal" } }, t("key_persons.reveal")),
      error,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        revealed.set(person.id, await api(`/api/v1/key-persons/${encodeURIComponent(person.id)}/identity`, { method: "POST", body: { reason: reason.value } }));
      } catch (failure) {
        if (failure.status !== 401) replace(error, refusal(failure));
        return;
      }
      await refresh().catch(context.toastError);
    });
    return form;
  }

  function identityPanel(identity) {
    return h(
      "div",
      { class: "identity", role: "status" },
      h(
        "dl",
        { class: "facts" },
        factRow(t("key_persons.name"), identity.name),
        factRow(t("key_persons.id_number"), identity.id_number),
        factRow(t("key_persons.phone"), identity.phone || "—"),
        factRow(t("key_persons.address"), identity.address || "—"),
        factRow(t("key_persons.notes"), identity.notes || "—"),
        factRow(
          t("key_persons.linked"),
          identity.linked.length
            ? identity.linked.map((link) =>
                h("span", { class: "sub" }, link.subject_kind === "incident" ? h("a", { href: `#/incident/${link.subject_id}` }, t("key_persons.incident", { id: link.subject_id.slice(0, 8) })) : t("key_persons.factor", { id: link.subject_id })),
              )
            : "—",
        ),
      ),
      h("p", { class: "muted" }, t("key_persons.audited", { seq: identity.audit_seq })),
    );
  }

  function draw(people) {
    return h(
      "section",
      { class: "key-persons" },
      heading(t("key_persons.heading")),
      h("p", { class: "muted" }, t("key_persons.help")),
      h("div", { class: "btn-row" }, h("button", { type: "button", class: "btn btn-primary", id: "key-person-add", onclick: () => ((adding = !adding), refresh().catch(context.toastError)) }, t("key_persons.add"))),
      adding ? addForm() : null,
      people.length
        ? h(
            "table",
            { class: "key-person-table" },
            h("thead", {}, h("tr", {}, [t("key_persons.name"), t("key_persons.id_number"), t("key_persons.phone"), t("key_persons.category"), t("key_persons.officer"), t("key_persons.grid_cell"), t("key_persons.links"), ""].map((text) => h("th", { scope: "col" }, text)))),
            h(
              "tbody",
              {},
              people.map((p) =>
                h(
                  "tr",
                  { dataset: { personId: p.id } },
                  h("td", {}, p.name),
                  h("td", {}, p.id_number),
                  h("td", {}, p.phone || "—"),
                  h("td", {}, categoryName(p.category)),
                  h("td", {}, p.responsible_officer),
                  h("td", {}, p.grid_cell || "—"),
                  h("td", { class: "num" }, p.links),
                  h("td", {}, revealed.has(p.id) ? identityPanel(revealed.get(p.id)) : revealForm(p)),
                ),
              ),
            ),
          )
        : empty(t("key_persons.none")),
    );
  }

  function addForm() {
    const error = h("p", { class: "error-text wide", role: "alert" });
    const input = (name, attrs = {}) => h("label", { class: "field", for: `kp-${name}` }, t(`key_persons.${name}`), h("input", { id: `kp-${name}`, name, ...attrs }));
    const form = h(
      "form",
      { class: "form panel", id: "key-person-form" },
      input("name", { required: true, maxlength: 100 }),
      input("id_number", { required: true, pattern: "\\d{17}[\\dXx]|\\d{15}" }),
      input("phone", { maxlength: 40 }),
      input("address", { maxlength: 500 }),
      h("label", { class: "field", for: "kp-category" }, t("key_persons.category"), h("select", { id: "kp-category", name: "category" }, categories.map((c) => h("option", { value: c.id }, named(c))))),
      input("officer", { required: true, maxlength: 100 }),
      input("grid_cell", { maxlength: 32 }),
      input("notes", { maxlength: 4000 }),
      h("div", { class: "btn-row" }, h("button", { type: "submit", class: "btn btn-primary" }, t("key_persons.register"))),
      error,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        await api("/api/v1/key-persons", {
          method: "POST",
          body: {
            name: data.get("name").trim(),
            id_number: data.get("id_number").trim(),
            phone: data.get("phone").trim(),
            address: data.get("address").trim(),
            category: data.get("category"),
            responsible_officer: data.get("officer").trim(),
            grid_cell: data.get("grid_cell").trim() || null,
            notes: data.get("notes").trim(),
          },
        });
      } catch (failure) {
        if (failure.status !== 401) replace(error, refusal(failure));
        return;
      }
      adding = false;
      context.toast(t("key_persons.registered"));
      await refresh().catch(context.toastError);
    });
    return form;
  }

  // The register does not change with the incidents' live events; a half-typed reason stays.
  return { refresh, onEvent: () => false };
}
