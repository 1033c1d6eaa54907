// The agency's call-ups: open ones first, each with its muster counts and a way to its board.

import { api } from "/shared/js/api.js";
import { h } from "/shared/js/dom.js";
import { formatTime, t } from "/shared/js/i18n.js";
import { drillBadge, empty, heading, statusBadge } from "/shared/js/widgets.js";
import { redrawer } from "../redraw.js";

const COUNTS = ["called", "acknowledged", "on_the_way", "arrived", "declined"];

export function counts(callUp) {
  return h(
    "dl",
    { class: "counts" },
    COUNTS.map((name) => [h("dt", {}, t(`console.muster.${name}`)), h("dd", { dataset: { count: name } }, callUp[name] ?? 0)]),
  );
}

// How a call-up ended, and why when someone said.
export function closed(callUp) {
  return t("console.callups.closed", { time: formatTime(callUp.closed_at, true), reason: callUp.close_reason || "—" });
}

export function mount(root) {
  const redraw = redrawer(root);

  async function refresh() {
    const callUps = await api("/api/v1/callups");
    redraw(callUps, () => draw(callUps));
  }

  function card(callUp) {
    return h(
      "article",
      { class: "panel", dataset: { callUpId: callUp.id, status: callUp.status } },
      h("h2", {}, h("a", { href: `#/callup/${callUp.id}`, "data-focus-key": `callup-${callUp.id}` }, t("console.callups.team", { team: callUp.team_id })), " ", statusBadge("callup_status", callUp.status), callUp.drill ? [" ", drillBadge()] : null),
      h("p", { class: "muted" }, t("console.callups.called_at", { time: formatTime(callUp.called_at, true), place: callUp.assembly_point || "—" })),
      callUp.status !== "open" ? h("p", { class: "muted" }, closed(callUp)) : null,
      counts(callUp),
    );
  }

  function draw(callUps) {
    return h(
      "section",
      {},
      heading(t("console.callups.heading")),
      callUps.length ? h("div", { class: "cards" }, callUps.map(card)) : empty(t("console.callups.empty")),
    );
  }

  return { refresh };
}
