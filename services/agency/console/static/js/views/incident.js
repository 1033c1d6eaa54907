// One incident as this agency knows it: its facts, its tasks here (answered from this page as
// from the tasks view) and its timeline: each version of the incident that reached the agency
// and each move of its tasks here.

import { api } from "/shared/js/api.js";
import { tick } from "/shared/js/clocks.js";
import { h } from "/shared/js/dom.js";
import { formatTime, lang, t } from "/shared/js/i18n.js";
import { incidentFacts, incidentHeading } from "/shared/js/widgets.js";
import { redrawer } from "../redraw.js";
import { taskAnswers, taskTable } from "./tasks.js";

// One line per entry: a version of the incident that arrived here, or a task's move here.
function describe(entry) {
  if (entry.kind === "task") {
    return [
      t("console.timeline.task", { status: entry.status_word || t(`task_status.${entry.status}`), by: entry.by || "—" }),
      entry.note ? h("span", { class: "sub" }, entry.note) : null,
    ];
  }
  return t(`console.timeline.event.${entry.event}`);
}

export function mount(root, [incidentId], context) {
  const redraw = redrawer(root);

  async function refresh() {
    const file = await api(`/api/v1/incidents/${encodeURIComponent(incidentId)}?lang=${lang()}`);
    if (redraw(file, () => draw(file))) tick(root);
  }

  const buttons = taskAnswers(context, refresh);

  function draw({ incident, tasks, timeline }) {
    return h(
      "article",
      { class: "incident", dataset: { incidentId: incident.id, status: incident.status } },
      incidentHeading(incident),
      h(
        "div",
        { class: "grid-2" },
        incidentFacts(incident),
        h(
          "section",
          { class: "panel", id: "tasks" },
          h("h2", {}, t("console.incident.tasks")),
          tasks.length ? taskTable(tasks, buttons, { withIncident: false }) : h("p", { class: "empty" }, t("console.incident.no_tasks")),
        ),
      ),
      h(
        "section",
        { class: "panel" },
        h("h2", {}, t("incident.timeline")),
        h(
          "ol",
          { class: "timeline" },
          timeline.map((entry) =>
            h("li", { dataset: { kind: entry.kind, status: entry.status || entry.event } }, h("time", { datetime: entry.at }, formatTime(entry.at, true)), h("span", {}, describe(entry))),
          ),
        ),
      ),
    );
  }

  return { refresh };
}
