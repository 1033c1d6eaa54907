// The agency's response teams as the command room keeps them: who is available, on leave or out
// on a call-up, before the duty officer asks for one. Read from the agency's own copy, so it
// shows while the gateway is down.

import { api } from "/shared/js/api.js";
import { h } from "/shared/js/dom.js";
import { formatTime, t, tOr } from "/shared/js/i18n.js";
import { empty, heading, statusBadge } from "/shared/js/widgets.js";
import { redrawer } from "../redraw.js";

const COUNTS = ["members", "available", "on_leave", "deployed"];

function counts(team) {
  return h(
    "dl",
    { class: "counts" },
    COUNTS.map((name) => [h("dt", {}, t(`console.teams.${name}`)), h("dd", { dataset: { count: name } }, team[name])]),
  );
}

// A call-up by the start of its id, as the muster board's address shows it.
function callUpLink(id) {
  return h("a", { href: `#/callup/${id}`, "aria-label": t("console.teams.call_up_link", { id: id.slice(0, 8) }) }, id.slice(0, 8));
}

function qualifications(member) {
  return member.qualifications.map((code) => tOr(`capability.${code}`, code)).join("、") || "—";
}

function row(member) {
  return h(
    "tr",
    { dataset: { memberId: member.member_id, status: member.status } },
    h("td", {}, member.name, h("span", { class: "sub" }, member.member_id)),
    h("td", {}, t(`member_role.${member.role}`)),
    h("td", {}, member.phone || "—"),
    h("td", {}, statusBadge("member_status", member.status)),
    h("td", {}, qualifications(member)),
    h("td", {}, member.call_up_id ? callUpLink(member.call_up_id) : "—"),
  );
}

function card(team) {
  const columns = ["member", "role", "phone", "status", "qualifications", "call_up"];
  return h(
    "article",
    { class: "panel", dataset: { teamId: team.id } },
    h("h2", {}, team.name, " ", h("span", { class: "sub" }, team.id)),
    h("p", { class: "muted" }, t("console.teams.assembly", { place: team.assembly_point || "—", time: formatTime(team.changed_at, true) })),
    counts(team),
    team.open_call_ups.length
      ? h("p", {}, t("console.teams.open_call_ups"), " ", team.open_call_ups.map((id, index) => [index ? "、" : "", callUpLink(id)]))
      : null,
    h(
      "table",
      { class: "muster-table team-table" },
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, t(`console.teams.${column}`))))),
      h("tbody", {}, team.roster.map(row)),
    ),
  );
}

export function mount(root) {
  const redraw = redrawer(root);

  async function refresh() {
    const teams = await api("/api/v1/teams");
    redraw(teams, () =>
      h("section", {}, heading(t("console.teams.heading")), teams.length ? h("div", { class: "team-list" }, teams.map(card)) : empty(t("console.teams.empty"))),
    );
  }

  return { refresh };
}
