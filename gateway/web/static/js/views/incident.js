// One incident: its facts, where each agency's copy stands, its tasks with their clocks, the
// commander's actions (status, dispatch with recommended units), and its timeline.

import { api } from "/shared/js/api.js";
import { clockNode, tick } from "/shared/js/clocks.js";
import { h, replace } from "/shared/js/dom.js";
import { describeEvent } from "../events.js";
import { formatTime, named, t } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { center, vocabulary } from "/shared/js/vocabulary.js";
import { actionRunner, agencyName, factRow, incidentFacts, incidentHeading, statusBadge } from "/shared/js/widgets.js";

export function mount(root, [incidentId], context) {
  let capability = "";

  async function refresh() {
    const base = `/api/v1/incidents/${encodeURIComponent(incidentId)}`;
    const query = capability ? `?capability=${encodeURIComponent(capability)}` : "";
    const [incident, tasks, timeline, handling, recommendations, keyPersons] = await Promise.all([
      api(base),
      api(`${base}/tasks`),
      api(`${base}/timeline`),
      api(`${base}/handling`),
      can("command") ? api(`${base}/recommendations${query}`) : Promise.resolve(null),
      can("key_persons") ? api(`${base}/key-persons`) : Promise.resolve([]),
    ]);
    replace(root, draw({ incident, tasks, timeline, handling, recommendations, keyPersons }));
    tick(root);
  }

  const act = actionRunner(context, () => refresh());

  function dispatchUnit(incident, tasks, unit) {
    const leadTaken = tasks.some((task) => task.role === "lead" && !["cancelled", "declined", "completed"].includes(task.status));
    const body = {
      tasks: [{ agency: unit.agency, role: leadTaken ? "supporting" : "lead", unit_ids: [unit.id] }],
    };
    return act(
      () => api(`/api/v1/incidents/${encodeURIComponent(incident.id)}/dispatch`, { method: "POST", body }),
      t("dispatch.sent", { unit: unit.name }),
    );
  }

  function changeStatus(incident, status) {
    return act(
      () =>
        api(`/api/v1/incidents/${encodeURIComponent(incident.id)}/status`, {
          method: "POST",
          body: { status, expected_version: incident.version },
        }),
      t("incident.status_changed", { status: t(`incident_status.${status}`) }),
    );
  }

  // The key persons this incident names, masked, for those who may know (key_persons).
  function keyPersonPanel(links) {
    return h(
      "section",
      { class: "panel", id: "incident-key-persons" },
      h("h2", {}, t("incident.key_persons")),
      h(
        "ul",
        {},
        links.map((link) => h("li", { dataset: { personId: link.person.id } }, h("a", { href: "#/key-persons" }, link.person.name), ` ${link.person.id_number}`, link.note ? h("span", { class: "sub" }, link.note) : null)),
      ),
    );
  }

  function draw({ incident, tasks, timeline, handling, recommendations, keyPersons }) {
    return h(
      "article",
      { class: "incident", dataset: { incidentId: incident.id, status: incident.status } },
      incidentHeading(incident),
      h(
        "div",
        { class: "grid-2" },
        facts(incident, handling),
        h(
          "div",
          {},
          can("command") ? actions(incident) : null,
          exportsPanel(incident),
          taskList(tasks),
        ),
      ),
      keyPersons.length ? keyPersonPanel(keyPersons) : null,
      can("command") && recommendations ? dispatchPanel(incident, tasks, recommendations) : null,
      h("section", { class: "panel" }, h("h2", {}, t("incident.timeline")), timelineList(timeline)),
    );
  }

  function facts(incident, handling) {
    const deliveries = Object.entries(incident.deliveries || {});
    return incidentFacts(
      { ...incident, ...incident.location },
      factRow(t("incident.center"), named(center(handling.center)), h("span", { class: "sub" }, handling.reason)),
      factRow(
        t("incident.deliveries"),
        deliveries.map(([a, d]) => h("span", { class: "sub" }, `${agencyName(a)}: ${t(`delivery.${d.state}`)}`)),
      ),
    );
  }

  function actions(incident) {
    const next = (vocabulary.incident_next[incident.status] || []).filter((s) => s !== "merged" && s !== "dispatched");
    if (!next.length) return null;
    return h(
      "section",
      { class: "panel" },
      h("h2", {}, t("incident.actions")),
      h(
        "div",
        { class: "btn-row" },
        next.map((status) =>
          h(
            "button",
            {
              type: "button",
              class: ["btn", status === "cancelled" && "btn-danger"],
              "data-focus-key": `status-${status}`,
              dataset: { action: `status-${status}` },
              onclick: () => changeStatus(incident, status),
            },
            t(`incident.to.${status}`),
          ),
        ),
      ),
    );
  }

  // One click each: the files download, the briefing opens as a printable page.
  function exportsPanel(incident) {
    const base = `/api/v1/incidents/${encodeURIComponent(incident.id)}/export`;
    return h(
      "section",
      { class: "panel", id: "exports" },
      h("h2", {}, t("export.heading")),
      h(
        "div",
        { class: "btn-row" },
        h("a", { class: "btn", href: `${base}/cap`, download: `incident-${incident.id}.cap.xml`, dataset: { action: "export-cap" } }, t("export.cap")),
        h("a", { class: "btn", href: `${base}/eidd`, download: `incident-${incident.id}.eidd.json`, dataset: { action: "export-eidd" } }, t("export.eidd")),
        h("a", { class: "btn", href: `${base}/ics-201`, target: "_blank", rel: "noopener", dataset: { action: "export-ics201" } }, t("export.ics201")),
      ),
    );
  }

  function taskList(tasks) {
    return h(
      "section",
      { class: "panel", id: "tasks" },
      h("h2", {}, t("incident.tasks")),
      tasks.length
        ? h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [t("task.agency"), t("task.role"), t("task.status"), t("task.units"), t("task.clocks")].map((label) =>
                  h("th", { scope: "col" }, label),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              tasks.map((task) =>
                h(
                  "tr",
                  { dataset: { taskId: task.id, agency: task.agency, status: task.status, hasClocks: "" } },
                  h("td", {}, agencyName(task.agency)),
                  h("td", {}, t(`task.role_${task.role}`)),
                  h("td", {}, statusBadge("task_status", task.status), task.note ? h("span", { class: "sub" }, task.note) : null),
                  h("td", {}, task.unit_ids.join("、") || "—"),
                  h("td", {}, task.clocks.map((c) => h("div", {}, clockNode(c)))),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, t("incident.no_tasks")),
    );
  }

  function dispatchPanel(incident, tasks, recommendations) {
    const open = !["resolved", "closed", "cancelled", "merged"].includes(incident.status);
    const select = h(
      "select",
      {
        id: "capability",
        "data-focus-key": "capability",
        onchange: (event) => {
          capability = event.target.value;
          refresh().catch(context.toastError);
        },
      },
      h("option", { value: "" }, t("dispatch.any_capability")),
      vocabulary.capabilities.map((c) => h("option", { value: c, selected: c === capability }, t(`capability.${c}`))),
    );
    return h(
      "section",
      { class: "panel", id: "dispatch" },
      h("h2", {}, t("dispatch.title")),
      h("label", { class: "field", for: "capability" }, t("dispatch.capability"), select),
      recommendations.units.length
        ? h(
            "table",
            { class: "recommendations" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [t("unit.name"), t("unit.agency"), t("unit.capabilities"), t("dispatch.distance"), t("dispatch.eta"), ""].map(
                  (label) => h("th", { scope: "col" }, label),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              recommendations.units.map((item) =>
                h(
                  "tr",
                  { dataset: { unitId: item.unit.id } },
                  h("td", {}, item.unit.name),
                  h("td", {}, agencyName(item.unit.agency)),
                  h("td", {}, item.unit.capabilities.map((c) => t(`capability.${c}`)).join("、")),
                  h("td", {}, t("dispatch.km", { km: item.distance_km.toFixed(1) })),
                  h("td", {}, t("dispatch.minutes", { minutes: Math.max(1, Math.round(item.eta_s / 60)) })),
                  h(
                    "td",
                    {},
                    h(
                      "button",
                      {
                        type: "button",
                        class: "btn btn-primary",
                        disabled: !open,
                        "data-focus-key": `dispatch-${item.unit.id}`,
                        dataset: { action: "dispatch", unitId: item.unit.id },
                        "aria-label": t("dispatch.send_unit", { unit: item.unit.name }),
                        onclick: () => dispatchUnit(incident, tasks, item.unit),
                      },
                      t("dispatch.send"),
                    ),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, t("dispatch.none")),
      recommendations.excluded_total
        ? h(
            "details",
            {},
            h("summary", {}, t("dispatch.excluded", { count: recommendations.excluded_total })),
            h("ul", {}, recommendations.excluded.map((e) => h("li", {}, `${e.unit_id} (${agencyName(e.agency)}): ${e.reason}`))),
          )
        : null,
    );
  }

  return { refresh, onEvent: (event) => event.incident_id === incidentId || event.kind === "unit" };
}

function timelineList(timeline) {
  return h(
    "ol",
    { class: "timeline" },
    timeline.map((event) =>
      h(
        "li",
        { dataset: { type: `${event.kind}.${event.action}` } },
        h("time", { datetime: event.at }, formatTime(event.at, true)),
        h("span", {}, describeEvent(event), h("span", { class: "sub" }, t("timeline.by", { actor: event.actor }))),
      ),
    ),
  );
}
