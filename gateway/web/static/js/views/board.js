// A center's board: open incidents most severe first, coloured by level, with each agency's
// task and its clocks counting down; overdue incidents stand out by colour, icon and word. The
// center's watched instability factors whose check-in is overdue are counted beside them.

import { api } from "/shared/js/api.js";
import { clockNode, overdueFlag, syncServerTime, tick } from "/shared/js/clocks.js";
import { h, replace } from "/shared/js/dom.js";
import { formatTime, named, t } from "/shared/js/i18n.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { agencyName, categoryName, drillBadge, empty, heading, levelBadge, statusBadge } from "/shared/js/widgets.js";

export function mount(root, [centerId]) {
  async function refresh() {
    const [board, factors] = await Promise.all([
      api(`/api/v1/centers/${encodeURIComponent(centerId)}/board`),
      api(`/api/v1/factors/overdue?center=${encodeURIComponent(centerId)}`),
    ]);
    syncServerTime(board.generated_at);
    replace(root, draw(board, factors.overdue));
    tick(root);
  }
  return { refresh };
}

function stat(label, value, { alarm = false, id } = {}) {
  return h("div", { class: ["stat", alarm && "alarm"], dataset: { stat: id } }, h("span", {}, label), h("b", {}, value));
}

function draw(board, overdueCheckIns) {
  const levels = vocabulary.levels;
  return h(
    "section",
    { class: "board", dataset: { center: board.center.id } },
    heading(named(board.center)),
    h(
      "div",
      { class: "stats" },
      stat(t("board.open"), board.open_incidents, { id: "open" }),
      levels.map((level) => stat(t(`level.${level}.name`), board.by_level[level] || 0, { id: `level-${level}` })),
      stat(t("board.overdue"), board.overdue, { alarm: board.overdue > 0, id: "overdue" }),
      stat(t("board.breaches_today"), board.breaches_today, { id: "breaches" }),
      stat(t("board.duty_gaps"), board.duty_gaps.length, { alarm: board.duty_gaps.length > 0, id: "gaps" }),
      h("a", { href: "#/factors", class: "stat-link" }, stat(t("board.overdue_check_ins"), overdueCheckIns, { alarm: overdueCheckIns > 0, id: "overdue-check-ins" })),
    ),
    board.incidents.length ? table(board) : empty(t("board.empty")),
    board.duty_gaps.length ? gaps(board.duty_gaps) : null,
  );
}

function table(board) {
  return h(
    "table",
    { class: "board-table", "aria-label": named(board.center) },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("board.col.level")),
        h("th", { scope: "col" }, t("board.col.incident")),
        h("th", { scope: "col" }, t("board.col.status")),
        h("th", { scope: "col" }, t("board.col.reported")),
        vocabulary.agencies.map((a) => h("th", { scope: "col" }, named(a))),
      ),
    ),
    h("tbody", {}, board.incidents.map(row)),
  );
}

function row(item) {
  const incident = item.incident;
  const tasks = Object.fromEntries(item.tasks.map((task) => [task.agency, task]));
  return h(
    "tr",
    {
      class: `lvl-${incident.level}`,
      dataset: { incidentId: incident.id, hasClocks: "", serverOverdue: String(item.overdue), level: incident.level },
    },
    h("td", {}, levelBadge(incident.level), h("br"), overdueFlag()),
    h(
      "td",
      { class: "title" },
      h("a", { href: `#/incident/${incident.id}`, "data-focus-key": `incident-${incident.id}` }, incident.title),
      incident.drill ? [" ", drillBadge()] : null,
      h("span", { class: "sub" }, `${categoryName(incident.category)} · ${incident.location.address}`),
      h("span", { class: "sub" }, t("board.from_agency", { agency: agencyName(incident.source_agency) })),
    ),
    h("td", {}, statusBadge("incident_status", incident.status)),
    h("td", {}, h("time", { datetime: incident.reported_at }, formatTime(incident.reported_at))),
    vocabulary.agencies.map((a) => h("td", { class: "agency", dataset: { agency: a.id } }, taskCell(tasks[a.id]))),
  );
}

function taskCell(task) {
  if (!task) return h("span", { class: "muted" }, "—");
  return h(
    "div",
    { class: "task", dataset: { taskId: task.id, status: task.status } },
    statusBadge("task_status", task.status),
    task.role === "lead" ? [" ", h("span", { class: "badge" }, t("task.lead"))] : null,
    task.units.length ? h("span", { class: "sub" }, task.units.map((u) => u.name).join("、")) : null,
    task.clocks
      .filter((c) => c.status !== "met" || c.kind === "on_scene")
      .map((c) => h("div", {}, clockNode(c))),
  );
}

function gaps(duty) {
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, t("board.duty_gaps")),
    h(
      "ul",
      {},
      duty.map((gap) =>
        h(
          "li",
          {},
          `${agencyName(gap.shift.agency)} ${formatTime(gap.shift.starts_at, true)}–${formatTime(gap.shift.ends_at, true)}: `,
          gap.missing.map((m) => t(`gap.${m}`)).join("、"),
        ),
      ),
    ),
  );
}
