// The break-glass account's log, for the duty commander: every sign-in with the agency's local
// account, every refused one (and why), and every request made with its session, newest first.
// The account exists for when the gateway cannot be reached, so its audit trail is here, in the
// agency's own database; a commander reading it sees who used it, from where, and for what.

import { api } from "/shared/js/api.js";
import { h } from "/shared/js/dom.js";
import { formatTime, t } from "/shared/js/i18n.js";
import { empty, heading } from "/shared/js/widgets.js";
import { redrawer } from "../redraw.js";

const TONE = { refused: "badge-bad", signed_in: "badge-warn" };

function row(entry) {
  return h(
    "tr",
    { dataset: { entryId: String(entry.id), action: entry.action } },
    h("td", {}, h("time", { datetime: entry.at }, formatTime(entry.at, true))),
    h("td", {}, h("span", { class: ["badge", TONE[entry.action]] }, t(`console.break_glass.action.${entry.action}`))),
    h("td", {}, h("code", {}, `${entry.method} ${entry.path}`)),
    h("td", { dataset: { status: entry.status === null ? "" : String(entry.status) } }, entry.status === null ? "—" : String(entry.status)),
    h("td", {}, entry.client),
    h("td", {}, entry.detail || "—"),
  );
}

export function mount(root) {
  const redraw = redrawer(root);

  async function refresh() {
    const entries = await api("/api/v1/break-glass/log");
    redraw(entries, () => draw(entries));
  }

  function draw(entries) {
    const columns = ["at", "action", "request", "status", "client", "detail"].map((name) => t(`console.break_glass.col.${name}`));
    return h(
      "section",
      {},
      heading(t("console.break_glass.heading")),
      h("p", { class: "muted" }, t("console.break_glass.help")),
      entries.length
        ? h(
            "table",
            { class: "break-glass-table" },
            h("thead", {}, h("tr", {}, columns.map((label) => h("th", { scope: "col" }, label)))),
            h("tbody", {}, entries.map(row)),
          )
        : empty(t("console.break_glass.empty")),
    );
  }

  return { refresh };
}
