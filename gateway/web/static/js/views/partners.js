// Partner mutual-aid requests (investigation, arrest, mass incidents) from and to the
// neighbouring bureaus; commanders answer the ones asked of the district.

import { api } from "/shared/js/api.js";
import { clockNode, tick } from "/shared/js/clocks.js";
import { h, replace } from "/shared/js/dom.js";
import { formatTime, t, tOr } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { actionRunner, empty, heading, statusBadge } from "/shared/js/widgets.js";

export function mount(root, _params, context) {
  async function refresh() {
    replace(root, draw(await api("/api/v1/aid-requests")));
    tick(root);
  }

  const act = actionRunner(context, () => refresh());
  const setStatus = (request, status) =>
    act(
      () => api(`/api/v1/aid-requests/${encodeURIComponent(request.id)}/status`, { method: "POST", body: { status, note: "" } }),
      t("partners.updated", { status: t(`aid_status.${status}`) }),
    );

  function draw(requests) {
    return h(
      "section",
      {},
      heading(t("partners.heading")),
      requests.length
        ? h(
            "table",
            { class: "aid-table" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [t("partners.partner"), t("partners.direction"), t("partners.kind"), t("partners.subject"), t("partners.status"), t("partners.due"), t("partners.updated_at"), ""].map(
                  (label) => h("th", { scope: "col" }, label),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              requests.map((r) =>
                h(
                  "tr",
                  { dataset: { requestId: r.id, hasClocks: "" } },
                  h("td", {}, tOr(`partner.${r.partner}`, r.partner)),
                  h("td", {}, t(`aid_direction.${r.direction}`)),
                  h("td", {}, t(`aid_kind.${r.kind}`)),
                  h("td", {}, r.subject),
                  h("td", {}, statusBadge("aid_status", r.status)),
                  h("td", {}, r.due_at && r.allowed_next.length ? clockNode({ kind: "aid_due", deadline: r.due_at, status: "running" }) : "—"),
                  h("td", {}, formatTime(r.updated_at, true)),
                  h(
                    "td",
                    { class: "btn-row" },
                    can("command") && r.direction === "inbound"
                      ? r.allowed_next.map((status) =>
                          h(
                            "button",
                            { type: "button", class: "btn", "data-focus-key": `aid-${r.id}-${status}`, onclick: () => setStatus(r, status) },
                            t(`partners.to.${status}`),
                          ),
                        )
                      : null,
                  ),
                ),
              ),
            ),
          )
        : empty(t("partners.empty")),
    );
  }

  return { refresh };
}
