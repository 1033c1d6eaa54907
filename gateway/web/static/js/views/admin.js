// Administration: operator accounts (create, change role, disable) and partner bureaus with
// their sharing agreements and keys. A key's secret is shown once, when it is issued.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { t } from "/shared/js/i18n.js";
import { session } from "/shared/js/session.js";
import { actionRunner, categoryName, empty, heading } from "/shared/js/widgets.js";

const ROLES = ["operator", "commander", "coordinator", "auditor", "admin"];

export function mount(root, _params, context) {
  let issued = null;

  const act = actionRunner(context, () => refresh());

  function operatorRow(account) {
    const self = account.username === session.operator.username;
    return h(
      "tr",
      { dataset: { username: account.username } },
      h("td", {}, account.username),
      h("td", {}, account.display_name),
      h(
        "td",
        {},
        h(
          "select",
          {
            "aria-label": t("admin.role"),
            disabled: self,
            onchange: (event) =>
              act(
                () => api(`/api/v1/operators/${encodeURIComponent(account.username)}`, { method: "PATCH", body: { role: event.target.value } }),
                t("admin.changed", { name: account.username }),
              ),
          },
          ROLES.map((role) => h("option", { value: role, selected: role === account.role }, t(`role.${role}`))),
        ),
      ),
      h("td", {}, account.disabled ? t("admin.disabled") : t("admin.active")),
      h(
        "td",
        {},
        self
          ? null
          : h(
              "button",
              {
                type: "button",
                class: "btn",
                "data-action": account.disabled ? "enable" : "disable",
                onclick: () =>
                  act(
                    () => api(`/api/v1/operators/${encodeURIComponent(account.username)}`, { method: "PATCH", body: { disabled: !account.disabled } }),
                    t("admin.changed", { name: account.username }),
                  ),
              },
              account.disabled ? t("admin.enable") : t("admin.disable"),
            ),
      ),
    );
  }

  function createForm() {
    const input = (name, attrs = {}) => h("input", { name, id: `new-${name}`, required: true, ...attrs });
    return h(
      "form",
      {
        class: "btn-row",
        id: "new-operator",
        onsubmit: (event) => {
          event.preventDefault();
          const form = event.target;
          const body = {
            username: form.elements.username.value.trim(),
            display_name: form.elements.display_name.value.trim(),
            role: form.elements.role.value,
            password: form.elements.password.value,
          };
          act(() => api("/api/v1/operators", { method: "POST", body }), t("admin.created", { name: body.username }));
        },
      },
      h("label", { for: "new-username" }, t("admin.username"), input("username", { pattern: "[a-z][a-z0-9_.\\-]{1,63}" })),
      h("label", { for: "new-display_name" }, t("admin.display_name"), input("display_name", { required: false, maxlength: 100 })),
      h("label", { for: "new-role" }, t("admin.role"), h("select", { name: "role", id: "new-role" }, ROLES.map((role) => h("option", { value: role }, t(`role.${role}`))))),
      h("label", { for: "new-password" }, t("admin.password"), input("password", { type: "password", minlength: 8, autocomplete: "new-password" })),
      h("button", { type: "submit", class: "btn btn-primary" }, t("admin.create")),
    );
  }

  function keyList(partner, keys) {
    return h(
      "ul",
      { class: "keys" },
      keys.map((key) =>
        h(
          "li",
          { dataset: { keyId: key.id } },
          h("code", {}, key.id),
          " ",
          key.revoked_at
            ? t("admin.revoked")
            : h(
                "button",
                {
                  type: "button",
                  class: "btn",
                  "data-action": "revoke",
                  onclick: () =>
                    act(
                      () => api(`/api/v1/partners/${encodeURIComponent(partner.id)}/keys/${encodeURIComponent(key.id)}/revoke`, { method: "POST" }),
                      t("admin.revoked"),
                    ),
                },
                t("admin.revoke"),
              ),
        ),
      ),
    );
  }

  function partnerRow(partner, keys) {
    const agreement = partner.agreement;
    return h(
      "tr",
      { dataset: { partnerId: partner.id } },
      h("td", {}, partner.id),
      h("td", {}, partner.name),
      h("td", {}, agreement.categories.map(categoryName).join("、") || t("admin.none")),
      h("td", {}, agreement.levels.join(" ")),
      h("td", {}, agreement.share_drills ? t("admin.yes") : t("admin.no")),
      h("td", {}, partner.webhook_url || t("admin.none")),
      h(
        "td",
        {},
        keyList(partner, keys),
        h(
          "button",
          {
            type: "button",
            class: "btn",
            "data-action": "issue-key",
            onclick: async () => {
              try {
                const key = await api(`/api/v1/partners/${encodeURIComponent(partner.id)}/keys`, { method: "POST", body: {} });
                issued = { partner: partner.id, key: key.api_key };
                await refresh();
              } catch (error) {
                context.toastError(error);
              }
            },
          },
          t("admin.issue_key"),
        ),
      ),
    );
  }

  async function refresh() {
    const [operators, partners] = await Promise.all([api("/api/v1/operators"), api("/api/v1/partners")]);
    const keys = await Promise.all(partners.map((p) => api(`/api/v1/partners/${encodeURIComponent(p.id)}/keys`)));
    const headings = (labels) => h("thead", {}, h("tr", {}, labels.map((label) => h("th", { scope: "col" }, label))));
    replace(
      root,
      h(
        "section",
        {},
        heading(t("admin.heading")),
        h("h2", {}, t("admin.operators")),
        h(
          "table",
          { class: "admin-table" },
          headings([t("admin.username"), t("admin.display_name"), t("admin.role"), t("admin.state"), ""]),
          h("tbody", {}, operators.map(operatorRow)),
        ),
        createForm(),
        h("h2", {}, t("admin.partners")),
        issued ? h("p", { class: "verdict ok", role: "status", id: "issued-key" }, t("admin.key_issued", { partner: issued.partner, key: issued.key })) : null,
        partners.length
          ? h(
              "table",
              { class: "admin-table" },
              headings([t("admin.partner"), t("admin.name"), t("admin.categories"), t("admin.levels"), t("admin.drills"), t("admin.webhook"), t("admin.keys")]),
              h("tbody", {}, partners.map((partner, index) => partnerRow(partner, keys[index]))),
            )
          : empty(t("admin.none")),
      ),
    );
  }

  return { refresh };
}
