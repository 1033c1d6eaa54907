// The agency's tasks: open ones first, most urgent (nearest deadline) then newest, as the API
// orders them, each with the clock that is still running counting down and the answers its
// status allows. Declining needs a reason and completing takes a note, asked in the dialog.

import { api } from "/shared/js/api.js";
import { clockNode, overdueFlag, tick } from "/shared/js/clocks.js";
import { h } from "/shared/js/dom.js";
import { formatTime, lang, t } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { drillBadge, empty, heading, levelBadge, statusBadge, viewSwitch } from "/shared/js/widgets.js";
import { ownWord } from "../agency.js";
import { openDialog } from "../dialog.js";
import { redrawer } from "../redraw.js";

// Answers that need words from the operator: a reason (required) or a note.
const NEEDS_WORDS = { declined: true, completed: false };
// Handing a task back to the command room is a duty commander's call; the rest is everyone's.
const PERMISSION = { declined: "decline" };

function runningClocks(task) {
  const deadlines = { acknowledge: task.acknowledge_by, on_scene: task.on_scene_by };
  return Object.entries(vocabulary.task_clocks)
    .filter(([kind, statuses]) => deadlines[kind] && statuses.includes(task.status))
    .map(([kind]) => ({ kind, deadline: deadlines[kind], status: "running" }));
}

const title = (task) => task.incident_title || task.incident_id;

// What answering a task does, shared by the tasks view and an incident's page. The answer comes
// back in the agency's own words; a second click while one answer is on its way does nothing.
export function taskAnswers(context, refresh) {
  let busy = false;

  async function send(task, status, note) {
    const answered = await api(`/api/v1/tasks/${encodeURIComponent(task.id)}/answer?lang=${lang()}`, {
      method: "POST",
      body: { status, note, expected_version: task.version },
    });
    context.toast(t("console.answered", { title: title(task), status: answered.status_word }));
    await refresh();
  }

  async function answerNow(task, status) {
    if (busy) return;
    busy = true;
    try {
      await send(task, status, "");
    } catch (error) {
      context.toastError(error);
    } finally {
      busy = false;
    }
  }

  function answer(task, status) {
    if (!(status in NEEDS_WORDS)) return answerNow(task, status);
    return openDialog({
      id: `answer-${status}`,
      title: t(`console.answer.${status}.title`, { title: title(task) }),
      fields: h(
        "label",
        { class: "field", for: "answer-note" },
        t(`console.answer.${status}.note`),
        h("textarea", { id: "answer-note", name: "note", required: NEEDS_WORDS[status], maxlength: 1000 }),
      ),
      submit: t(`console.answer.${status}`),
      returnFocusKey: `answer-${task.id}-${status}`,
      onSubmit: (form) => send(task, status, form.elements.note.value.trim()),
    });
  }

  return function buttons(task) {
    return h(
      "div",
      { class: "btn-row" },
      task.next_statuses.filter((status) => can(PERMISSION[status] || "answer")).map((status) =>
        h(
          "button",
          {
            type: "button",
            class: ["btn", status === "acknowledged" && "btn-primary", status === "declined" && "btn-danger"],
            dataset: { action: status },
            "data-focus-key": `answer-${task.id}-${status}`,
            "aria-label": t("console.answer_for", { answer: t(`console.answer.${status}`), title: title(task) }),
            onclick: () => answer(task, status),
          },
          t(`console.answer.${status}`),
        ),
      ),
    );
  };
}

// The tasks as a table; on an incident's own page (`withIncident` false) without the columns
// that would only repeat the incident.
export function taskTable(tasks, buttons, { withIncident = true } = {}) {
  const columns = [
    withIncident && t("console.col.level"),
    withIncident ? t("console.col.incident") : t("console.col.task"),
    t("console.col.status"),
    t("console.col.clocks"),
    t("console.col.actions"),
  ].filter(Boolean);
  return h(
    "table",
    { class: "tasks-table" },
    h("thead", {}, h("tr", {}, columns.map((label) => h("th", { scope: "col" }, label)))),
    h(
      "tbody",
      {},
      tasks.map((task) => {
        const clocks = runningClocks(task);
        const about = [
          task.instructions ? h("span", { class: "sub instructions" }, t("console.instructions", { text: task.instructions })) : null,
          h("span", { class: "sub" }, task.role === "lead" ? t("console.role.lead") : t("console.role.supporting"), " · ", t("console.updated", { time: formatTime(task.updated_at, true), by: task.updated_by })),
        ];
        return h(
          "tr",
          { class: `lvl-${task.incident_level}`, dataset: { taskId: task.id, incidentId: task.incident_id, status: task.status, hasClocks: "" } },
          h("td", {}, withIncident && task.incident_level ? [levelBadge(task.incident_level), h("br")] : null, overdueFlag(), withIncident ? null : about),
          withIncident
            ? h(
                "td",
                { class: "title" },
                h("a", { href: `#/incident/${task.incident_id}`, "data-focus-key": `incident-${task.id}` }, title(task)),
                task.drill ? [" ", drillBadge()] : null,
                about,
              )
            : null,
          h("td", {}, statusBadge("task_status", task.status, ownWord("task_status", task))),
          h("td", {}, clocks.length ? clocks.map((clock) => h("div", {}, clockNode(clock))) : h("span", { class: "muted" }, "—")),
          h("td", {}, buttons(task)),
        );
      }),
    ),
  );
}

export function mount(root, _params, context) {
  let everything = false;
  const redraw = redrawer(root);

  async function refresh() {
    const tasks = await api(`/api/v1/tasks?lang=${lang()}${everything ? "" : "&open=true"}`);
    if (redraw({ tasks, everything }, () => draw(tasks))) tick(root);
  }

  const buttons = taskAnswers(context, refresh);

  function draw(tasks) {
    const open = tasks.filter((task) => task.next_statuses.length).length;
    return h(
      "section",
      {},
      heading(t("console.tasks.heading")),
      h("div", { class: "stats" }, h("div", { class: "stat", dataset: { stat: "open" } }, h("span", {}, t("console.tasks.open")), h("b", {}, open))),
      viewSwitch({
        id: "show-finished",
        checked: everything,
        label: t("console.tasks.show_finished"),
        onChange: (checked) => {
          everything = checked;
          refresh().catch(context.toastError);
        },
      }),
      tasks.length ? taskTable(tasks, buttons) : empty(t("console.tasks.empty")),
    );
  }

  return { refresh };
}
