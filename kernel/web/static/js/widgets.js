// Pieces the views of every page draw the same way: level and status badges, headings, empty
// states, a switch that narrows a view, an incident's facts, a unit's last position, and what a
// button does.

import { now } from "./clocks.js";
import { h } from "./dom.js";
import { formatTime, named, t } from "./i18n.js";
import { agency, category } from "./vocabulary.js";

export function levelBadge(level) {
  return h("span", { class: `level level-${level}`, title: t(`level.${level}.name`) }, t(`level.${level}.short`));
}

export function drillBadge() {
  return h("span", { class: "badge badge-drill" }, t("drill.badge"));
}

// A status as a badge: its tone from the common code, its words from the catalogue (`prefix`)
// unless the caller has its own (an agency's words for its statuses).
export function statusBadge(prefix, status, words) {
  const tone = { breached: "bad", declined: "bad", cancelled: "bad", acknowledged: "ok", on_scene: "ok", completed: "ok", available: "ok", assigned: "warn", en_route: "warn" }[status];
  return h("span", { class: ["badge", tone && `badge-${tone}`], dataset: { status } }, words || t(`${prefix}.${status}`));
}

export function agencyName(id) {
  return named(agency(id));
}

export function categoryName(id) {
  return named(category(id));
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

export function heading(text, ...extra) {
  return h("h1", { tabindex: "-1" }, text, ...extra);
}

// A checkbox that narrows or widens what a view shows; the view reads its data again on change.
export function viewSwitch({ id, checked, label, onChange }) {
  const box = h("input", {
    type: "checkbox",
    id,
    checked,
    "data-focus-key": id,
    onchange: (event) => onChange(event.target.checked),
  });
  return h("label", { class: "checks" }, box, label);
}

// An incident page's heading: level, title, status and whether it is a drill.
export function incidentHeading(incident) {
  return heading("", levelBadge(incident.level), " ", incident.title, " ", statusBadge("incident_status", incident.status), incident.drill ? [" ", drillBadge()] : null);
}

export function factRow(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

// An incident's facts, as the command room and each duty room show them: `incident` with its
// position flat (address, latitude, longitude); `more` are further factRow()s.
export function incidentFacts(incident, ...more) {
  const reporter = incident.reporter || {};
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, t("incident.facts")),
    h(
      "dl",
      { class: "facts" },
      factRow(t("incident.id"), h("code", {}, incident.id)),
      factRow(t("incident.level"), t(`level.${incident.level}.name`)),
      factRow(t("incident.category"), categoryName(incident.category)),
      factRow(t("incident.source_agency"), agencyName(incident.source_agency)),
      factRow(t("incident.address"), incident.address),
      factRow(t("incident.position"), `${incident.latitude.toFixed(4)}, ${incident.longitude.toFixed(4)} (WGS-84)`),
      factRow(t("incident.reported_at"), formatTime(incident.reported_at, true)),
      factRow(t("incident.reporter"), [reporter.name, reporter.phone].filter(Boolean).join(" ") || "—"),
      factRow(t("incident.description"), incident.description || "—"),
      more,
    ),
  );
}

// A unit's last reported position and how old it is.
export function lastPosition(latitude, longitude, at) {
  const age = at ? t("units.position_age", { minutes: Math.max(0, Math.round((now() - Date.parse(at)) / 60000)), time: formatTime(at) }) : t("units.position_unknown");
  return [`${latitude.toFixed(4)}, ${longitude.toFixed(4)}`, h("span", { class: "sub" }, age)];
}

// What a button does: the call, then a message and a fresh view, or the server's refusal. A
// second click while the first call is on its way does nothing.
export function actionRunner(context, refresh) {
  let busy = false;
  return async function act(work, done) {
    if (busy) return;
    busy = true;
    try {
      await work();
      context.toast(done);
      await refresh();
    } catch (error) {
      context.toastError(error);
    } finally {
      busy = false;
    }
  };
}
