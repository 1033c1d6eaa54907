// Pieces the views of every page draw the same way: level and status badges, headings, empty
// states, and what a button does.

import { h } from "./dom.js";
import { named, t } from "./i18n.js";
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
