// Response teams: readiness (members, available, by role), open call-ups with live muster
// counts, and drills. Members answer from their devices and those answers reach the gateway
// without an activity event, so while this view is open it also reads the muster every few
// seconds.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { formatTime, named, t } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { actionRunner, agencyName, empty, heading, statusBadge } from "/shared/js/widgets.js";

const POLL_MS = 3000;

export function mount(root, _params, context) {
  let timer = null;
  let scenario = "";

  async function refresh() {
    const [teams, callUps, drills, scenarios] = await Promise.all([
      api("/api/v1/roster/teams"),
      api("/api/v1/roster/callups?status=open"),
      api("/api/v1/roster/drills"),
      api("/api/v1/roster/scenarios"),
    ]);
    scenario = scenario || (scenarios[0] && scenarios[0].id) || "";
    replace(root, draw(teams, callUps, drills, scenarios));
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => {}), POLL_MS);
  }

  const act = actionRunner(context, () => refresh());

  const callUp = (team) =>
    act(() => api("/api/v1/roster/callups", { method: "POST", body: { team_id: team.id } }), t("teams.called", { team: team.name }));
  const standDown = (board) =>
    act(
      () => api(`/api/v1/roster/callups/${encodeURIComponent(board.call_up_id)}/stand-down`, { method: "POST", body: { reason: t("teams.stand_down_reason") } }),
      t("teams.stood_down"),
    );
  const startDrill = (scenarios) =>
    act(async () => {
      const chosen = scenarios.find((s) => s.id === scenario);
      const drill = await api("/api/v1/roster/drills", {
        method: "POST",
        body: { name: `${named(chosen)} ${formatTime(new Date().toISOString(), true)}`, scenario, scheduled_for: new Date().toISOString() },
      });
      await api(`/api/v1/roster/drills/${encodeURIComponent(drill.id)}/start`, { method: "POST" });
    }, t("drills.started"));
  const endDrill = (drill) =>
    act(() => api(`/api/v1/roster/drills/${encodeURIComponent(drill.id)}/end`, { method: "POST" }), t("drills.ended"));

  function draw(teams, callUps, drills, scenarios) {
    const teamNames = Object.fromEntries(teams.map((team) => [team.id, team.name]));
    return h(
      "section",
      {},
      heading(t("teams.heading")),
      h("h2", {}, t("teams.muster")),
      callUps.length ? h("div", { class: "teams" }, callUps.map((board) => musterCard(board, teamNames))) : empty(t("teams.no_callups")),
      h("h2", {}, t("teams.readiness")),
      teams.length ? h("div", { class: "teams" }, teams.map(teamCard)) : empty(t("teams.empty")),
      h("h2", {}, t("drills.heading")),
      can("roster") && scenarios.length ? drillStarter(scenarios) : null,
      drills.length ? drillTable(drills) : empty(t("drills.empty")),
    );
  }

  function teamCard(team) {
    const share = team.members ? Math.round((100 * team.available) / team.members) : 0;
    return h(
      "article",
      { class: "panel", dataset: { teamId: team.id } },
      h("h3", {}, team.name),
      h("p", { class: "muted" }, `${agencyName(team.agency)} · ${team.assembly_point || "—"}`),
      h("p", {}, h("span", { class: "count", dataset: { count: "available" } }, team.available), ` / ${team.members} `, t("teams.available")),
      h("div", { class: "bar", role: "img", "aria-label": t("teams.readiness_share", { share }) }, barFill(share / 100)),
      h("p", { class: "muted" }, Object.entries(team.by_role).map(([role, n]) => `${t(`member_role.${role}`)} ${n}`).join(" · ")),
      can("roster")
        ? h("button", { type: "button", class: "btn", "data-focus-key": `callup-${team.id}`, dataset: { action: "callup" }, onclick: () => callUp(team) }, t("teams.call_up"))
        : null,
    );
  }

  function musterCard(board, teamNames) {
    const bar = (value, kind) =>
      h("div", { class: ["bar", kind], role: "img", "aria-label": `${value} / ${board.called}` }, barFill(board.called ? value / board.called : 0));
    const seconds = (value) => (value === null || value === undefined ? "—" : t("teams.seconds", { seconds: Math.round(value) }));
    return h(
      "article",
      { class: "panel", dataset: { callUpId: board.call_up_id, teamId: board.team_id } },
      h("h3", {}, teamNames[board.team_id] || board.team_id, board.drill ? [" ", h("span", { class: "badge badge-drill" }, t("drill.badge"))] : null),
      h("p", { class: "muted" }, t("teams.called_at", { time: formatTime(board.called_at, true) })),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("teams.called_count")),
        h("dd", { dataset: { count: "called" } }, board.called),
        h("dt", {}, t("teams.acknowledged")),
        h("dd", {}, h("span", { dataset: { count: "acknowledged" } }, board.acknowledged), bar(board.acknowledged, "ack")),
        h("dt", {}, t("teams.arrived")),
        h("dd", {}, h("span", { dataset: { count: "arrived" } }, board.arrived), bar(board.arrived)),
        h("dt", {}, t("teams.declined")),
        h("dd", { dataset: { count: "declined" } }, board.declined),
        h("dt", {}, t("teams.first_ack")),
        h("dd", {}, seconds(board.first_acknowledgement_s)),
        h("dt", {}, t("teams.mustered_50")),
        h("dd", {}, seconds(board.mustered_50_s)),
        h("dt", {}, t("teams.mustered_90")),
        h("dd", {}, seconds(board.mustered_90_s)),
      ),
      can("roster")
        ? h("button", { type: "button", class: "btn", "data-focus-key": `stand-down-${board.call_up_id}`, onclick: () => standDown(board) }, t("teams.stand_down"))
        : null,
    );
  }

  function drillStarter(scenarios) {
    const select = h(
      "select",
      { id: "scenario", "data-focus-key": "scenario", onchange: (event) => (scenario = event.target.value) },
      scenarios.map((s) => h("option", { value: s.id, selected: s.id === scenario }, named(s))),
    );
    return h(
      "div",
      { class: "btn-row panel" },
      h("label", { class: "field", for: "scenario" }, t("drills.scenario"), select),
      h("button", { type: "button", class: "btn btn-primary", "data-focus-key": "start-drill", dataset: { action: "start-drill" }, onclick: () => startDrill(scenarios) }, t("drills.start")),
    );
  }

  function drillTable(drills) {
    return h(
      "table",
      {},
      h("thead", {}, h("tr", {}, [t("drills.name"), t("drills.status"), t("drills.started_at"), t("drills.ended_at"), ""].map((label) => h("th", { scope: "col" }, label)))),
      h(
        "tbody",
        {},
        drills.slice(0, 10).map((drill) =>
          h(
            "tr",
            { dataset: { drillId: drill.id, status: drill.status } },
            h("td", {}, drill.name),
            h("td", {}, statusBadge("drill_status", drill.status)),
            h("td", {}, formatTime(drill.started_at, true) || "—"),
            h("td", {}, formatTime(drill.ended_at, true) || "—"),
            h(
              "td",
              {},
              drill.status === "running" && can("roster")
                ? h("button", { type: "button", class: "btn", "data-focus-key": `end-${drill.id}`, onclick: () => endDrill(drill) }, t("drills.end"))
                : drill.status === "ended"
                  ? h("a", { href: `/api/v1/roster/drills/${encodeURIComponent(drill.id)}/report?format=html`, target: "_blank", rel: "noopener" }, t("drills.report"))
                  : null,
            ),
          ),
        ),
      ),
    );
  }

  return { refresh, dispose: () => clearTimeout(timer) };
}

// The bar's width is set through the CSSOM, which the page's Content-Security-Policy allows
// (an inline style attribute it would refuse).
function barFill(share) {
  const fill = document.createElement("span");
  fill.style.width = `${Math.round(Math.min(1, Math.max(0, share)) * 100)}%`;
  return fill;
}
