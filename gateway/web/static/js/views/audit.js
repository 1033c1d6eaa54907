// The audit log for auditors: every partner access and administrator's change, oldest first,
// and a check of its hash chain that names the first broken entry.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { formatTime, t } from "/shared/js/i18n.js";
import { empty, heading } from "/shared/js/widgets.js";

const PAGE = 200;

export function mount(root) {
  let entries = [];
  let nextAfter = null;
  let verdict = null;

  async function load(after) {
    const page = await api(`/api/v1/audit?after=${after}&limit=${PAGE}`);
    entries = after ? entries.concat(page.items) : page.items;
    nextAfter = page.next_after;
    draw();
  }

  async function verify() {
    const result = await api("/api/v1/audit/verify");
    verdict = result.ok
      ? h("p", { class: "verdict ok", role: "status" }, t("audit.ok", { checked: result.checked }))
      : h("p", { class: "verdict error-text", role: "alert" }, t("audit.broken", { seq: result.first_broken, problem: result.problem }));
    draw();
  }

  function draw() {
    replace(
      root,
      h(
        "section",
        {},
        heading(t("audit.heading")),
        h("div", { class: "btn-row" }, h("button", { type: "button", class: "btn", id: "audit-verify", onclick: verify }, t("audit.verify"))),
        verdict,
        entries.length
          ? h(
              "table",
              { class: "audit-table" },
              h("thead", {}, h("tr", {}, [t("audit.seq"), t("audit.at"), t("audit.actor"), t("audit.action"), t("audit.subject")].map((label) => h("th", { scope: "col" }, label)))),
              h(
                "tbody",
                {},
                entries.map((entry) =>
                  h(
                    "tr",
                    { dataset: { seq: String(entry.seq) } },
                    h("td", {}, String(entry.seq)),
                    h("td", {}, formatTime(entry.at, true)),
                    h("td", {}, entry.actor),
                    h("td", {}, entry.action),
                    h("td", {}, entry.subject),
                  ),
                ),
              ),
            )
          : empty(t("audit.empty")),
        nextAfter !== null ? h("button", { type: "button", class: "btn", onclick: () => load(nextAfter) }, t("audit.more")) : null,
      ),
    );
  }

  return { refresh: () => load(0) };
}
