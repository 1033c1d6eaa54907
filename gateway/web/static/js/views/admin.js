// Administration: operator accounts (create, for the command room or one agency's duty room;
// change role, disable) and partner bureaus with their sharing agreements and keys. A key's
// secret is shown once, when it is issued.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { formatTime, named, t } from "/shared/js/i18n.js";
import { session } from "/shared/js/session.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { actionRunner, agencyName, categoryName, empty, heading } from "/shared/js/widgets.js";

// Command-room accounts have no agency; an agency's duty staff belong to exactly one, whose
// console they sign in at. A role is changed only within its kind: the server refuses the rest.
const ROLE_GROUPS = {
  command: ["operator", "commander", "coordinator", "auditor", "admin"],
  agency: ["agency_operator", "agency_commander"],
};
const isAgencyRole = (role) => ROLE_GROUPS.agency.includes(role);
// The form's fields by the names the server gives them when it refuses one, with their labels.
const FIELDS = { username: "admin.username", display_name: "admin.display_name", role: "admin.role", agency: "admin.agency", password: "admin.password" };

export function mount(root, _params, context) {
  let issued = null;

  const act = actionRunner(context, () => refresh());

  function operatorRow(account) {
    const self = account.username === session.operator.username;
    return h(
      "tr",
      { dataset: { username: account.username, agency: account.agency || "" } },
      h("td", {}, account.username),
      h("td", {}, account.display_name),
      h(
        "td",
        {},
        h(
          "select",
          {
            "aria-label": t("admin.role_of", { name: account.username }),
            disabled: self,
            onchange: (event) =>
              act(
                () => api(`/api/v1/operators/${encodeURIComponent(account.username)}`, { method: "PATCH", body: { role: event.target.value } }),
                t("admin.changed", { name: account.username }),
              ),
          },
          ROLE_GROUPS[account.agency ? "agency" : "command"].map((role) => h("option", { value: role, selected: role === account.role }, t(`role.${role}`))),
        ),
      ),
      h("td", { class: "agency" }, account.agency ? agencyName(account.agency) : t("admin.command_room")),
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

  // What the server refused, field by field, next to the form that is kept as typed.
  function showRefusal(form, error, failure) {
    const fields = (failure.body && failure.body.fields) || [];
    for (const name of Object.keys(FIELDS)) form.elements[name].removeAttribute("aria-invalid");
    for (const { field } of fields) if (FIELDS[field]) form.elements[field].setAttribute("aria-invalid", "true");
    replace(
      error,
      t("admin.not_created"),
      fields.length
        ? h(
            "ul",
            {},
            fields.map(({ field, message }) =>
              h("li", { dataset: { field } }, `${FIELDS[field] ? t(FIELDS[field]) : field}: ${message.replace(/^Value error, /, "")}`),
            ),
          )
        : ` ${failure.message}`,
    );
  }

  function createForm() {
    const input = (name, attrs = {}) => h("input", { name, id: `new-${name}`, required: true, ...attrs });
    const error = h("div", { id: "new-operator-error", class: "error-text wide", role: "alert" });
    const agency = h(
      "select",
      { name: "agency", id: "new-agency", disabled: true },
      vocabulary.agencies.map((a) => h("option", { value: a.id }, named(a))),
    );
    const agencyField = h("label", { for: "new-agency", id: "new-agency-field", hidden: true }, t("admin.agency"), agency);
    // The agency is asked for, and sent, only with an agency role.
    const scope = (role) => {
      agencyField.hidden = !isAgencyRole(role);
      agency.disabled = agencyField.hidden;
      agency.required = !agencyField.hidden;
    };
    const role = h(
      "select",
      { name: "role", id: "new-role", onchange: (event) => scope(event.target.value) },
      Object.entries(ROLE_GROUPS).map(([group, roles]) =>
        h("optgroup", { label: t(`admin.role_group.${group}`) }, roles.map((r) => h("option", { value: r }, t(`role.${r}`)))),
      ),
    );
    return h(
      "form",
      {
        class: "btn-row",
        id: "new-operator",
        onsubmit: async (event) => {
          event.preventDefault();
          const form = event.target;
          const body = {
            username: form.elements.username.value.trim(),
            display_name: form.elements.display_name.value.trim(),
            role: form.elements.role.value,
            password: form.elements.password.value,
          };
          if (isAgencyRole(body.role)) body.agency = form.elements.agency.value;
          try {
            await api("/api/v1/operators", { method: "POST", body });
          } catch (failure) {
            if (failure.status !== 401) showRefusal(form, error, failure);
            return;
          }
          context.toast(t("admin.created", { name: body.username }));
          await refresh().catch(context.toastError);
        },
      },
      h("label", { for: "new-username" }, t("admin.username"), input("username", { pattern: "[a-z][a-z0-9_.\\-]{1,63}" })),
      h("label", { for: "new-display_name" }, t("admin.display_name"), input("display_name", { required: false, maxlength: 100 })),
      h("label", { for: "new-role" }, t("admin.role"), role),
      agencyField,
      h("label", { for: "new-password" }, t("admin.password"), input("password", { type: "password", minlength: 8, autocomplete: "new-password" })),
      h("button", { type: "submit", class: "btn btn-primary" }, t("admin.create")),
      error,
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

  // Accounts and client addresses whose failed sign-ins still count; a locked one is unlocked
  // here when the guesses were its operator's own.
  function lockRow(lock) {
    return h(
      "tr",
      { dataset: { kind: lock.kind, key: lock.key } },
      h("td", {}, t(`admin.lock_kind.${lock.kind}`)),
      h("td", {}, lock.key),
      h("td", { class: "num" }, String(lock.failures)),
      h("td", {}, formatTime(lock.last_failure_at, true)),
      h("td", {}, lock.locked_until ? t("admin.locked_until", { time: formatTime(lock.locked_until, true) }) : t("admin.slowed")),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            onclick: () =>
              act(
                () => api(`/api/v1/sign-in-locks/${lock.kind}/${encodeURIComponent(lock.key)}`, { method: "DELETE" }),
                t("admin.unlocked", { key: lock.key }),
              ),
          },
          t("admin.unlock"),
        ),
      ),
    );
  }

  async function refresh() {
    const [operators, partners, locks] = await Promise.all([
      api("/api/v1/operators"),
      api("/api/v1/partners"),
      api("/api/v1/sign-in-locks"),
    ]);
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
          headings([t("admin.username"), t("admin.display_name"), t("admin.role"), t("admin.agency"), t("admin.state"), ""]),
          h("tbody", {}, operators.map(operatorRow)),
        ),
        createForm(),
        h("h2", {}, t("admin.sign_in_locks")),
        locks.length
          ? h(
              "table",
              { class: "admin-table", id: "sign-in-locks" },
              headings([t("admin.lock_kind"), t("admin.lock_key"), t("admin.failures"), t("admin.last_failure"), t("admin.state"), ""]),
              h("tbody", {}, locks.map(lockRow)),
            )
          : empty(t("admin.no_locks")),
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

  // Accounts and partners do not change with the incidents' live events: a half-typed account
  // or the reasons a new one was refused stay on the screen.
  return { refresh, onEvent: () => false };
}
