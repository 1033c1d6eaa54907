// The daily bulletins (维稳信息简报): the archive, newest period first, each opened as its
// printable page or saved as CSV; a bulletin on demand for a day, week, month or year of the
// district or one center (commanders); and the same period's ICS-209 status summary.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { formatTime, named, t } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { center, vocabulary } from "/shared/js/vocabulary.js";
import { actionRunner, empty, heading } from "/shared/js/widgets.js";

const KINDS = ["day", "week", "month", "year"];

// Today in the district's calendar, whatever the browser's time zone: a bulletin's day is the
// district's. (The en-CA form of a date is YYYY-MM-DD.)
function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: vocabulary.timezone || "Asia/Shanghai" }).format(new Date());
}

function scopeName(scope) {
  return scope === "district" ? t("bulletins.district") : named(center(scope));
}

function periodLabel(bulletin) {
  if (bulletin.kind === "day") return bulletin.period_start;
  if (bulletin.kind === "month") return bulletin.period_start.slice(0, 7);
  if (bulletin.kind === "year") return bulletin.period_start.slice(0, 4);
  const last = new Date(`${bulletin.period_end}T00:00:00Z`);
  last.setUTCDate(last.getUTCDate() - 1);
  return `${bulletin.period_start} – ${last.toISOString().slice(0, 10)}`;
}

export function mount(root, _params, context) {
  const chosen = { scope: "district", kind: "day", day: today() };
  let filter = "";

  async function refresh() {
    const query = filter ? `?scope=${encodeURIComponent(filter)}` : "";
    const bulletins = await api(`/api/v1/bulletins${query}`);
    replace(root, draw(bulletins));
  }

  const act = actionRunner(context, () => refresh());

  const generate = () =>
    act(
      () => api("/api/v1/bulletins", { method: "POST", body: { ...chosen } }),
      t("bulletins.generated", { scope: scopeName(chosen.scope), kind: t(`bulletins.kind.${chosen.kind}`) }),
    );

  const scopes = () => ["district", ...vocabulary.centers.map((c) => c.id)];

  function picker() {
    const scopeSelect = h(
      "select",
      { id: "bulletin-scope", "data-focus-key": "bulletin-scope", onchange: (e) => (chosen.scope = e.target.value) },
      scopes().map((id) => h("option", { value: id, selected: id === chosen.scope }, scopeName(id))),
    );
    const kindSelect = h(
      "select",
      { id: "bulletin-kind", "data-focus-key": "bulletin-kind", onchange: (e) => (chosen.kind = e.target.value) },
      KINDS.map((kind) => h("option", { value: kind, selected: kind === chosen.kind }, t(`bulletins.kind.${kind}`))),
    );
    const dayInput = h("input", {
      id: "bulletin-day",
      type: "date",
      value: chosen.day,
      required: true,
      "data-focus-key": "bulletin-day",
      onchange: (e) => (chosen.day = e.target.value || today()),
    });
    const summaryHref = () =>
      `/api/v1/exports/ics-209?scope=${encodeURIComponent(chosen.scope)}&kind=${encodeURIComponent(chosen.kind)}&day=${encodeURIComponent(chosen.day)}`;
    return h(
      "div",
      { class: "panel btn-row bulletin-picker" },
      h("label", { class: "field", for: "bulletin-scope" }, t("bulletins.scope"), scopeSelect),
      h("label", { class: "field", for: "bulletin-kind" }, t("bulletins.kind"), kindSelect),
      h("label", { class: "field", for: "bulletin-day" }, t("bulletins.day"), dayInput),
      can("command")
        ? h("button", { type: "button", class: "btn btn-primary", id: "bulletin-generate", "data-focus-key": "bulletin-generate", onclick: generate }, t("bulletins.generate"))
        : null,
      h(
        "button",
        {
          type: "button",
          class: "btn",
          id: "bulletin-ics209",
          title: t("bulletins.ics209_hint"),
          onclick: () => window.open(summaryHref(), "_blank", "noopener"),
        },
        t("bulletins.ics209"),
      ),
    );
  }

  function filterSelect() {
    return h(
      "label",
      { class: "field", for: "bulletin-filter" },
      t("bulletins.show"),
      h(
        "select",
        {
          id: "bulletin-filter",
          "data-focus-key": "bulletin-filter",
          onchange: (e) => {
            filter = e.target.value;
            refresh().catch(context.toastError);
          },
        },
        h("option", { value: "" }, t("bulletins.all_scopes")),
        scopes().map((id) => h("option", { value: id, selected: id === filter }, scopeName(id))),
      ),
    );
  }

  function table(bulletins) {
    const columns = [t("bulletins.period"), t("bulletins.scope"), t("bulletins.kind"), t("bulletins.edition"), t("bulletins.generated_at"), ""];
    return h(
      "table",
      { class: "bulletins" },
      h("thead", {}, h("tr", {}, columns.map((label) => h("th", { scope: "col" }, label)))),
      h(
        "tbody",
        {},
        bulletins.map((b) => {
          const base = `/api/v1/bulletins/${encodeURIComponent(b.id)}`;
          return h(
            "tr",
            { dataset: { bulletinId: b.id, scope: b.scope, kind: b.kind } },
            h("td", {}, periodLabel(b)),
            h("td", {}, scopeName(b.scope)),
            h("td", {}, t(`bulletins.kind.${b.kind}`)),
            h("td", {}, b.edition === 0 ? t("bulletins.scheduled") : t("bulletins.on_demand", { edition: b.edition, by: b.generated_by })),
            h("td", {}, formatTime(b.generated_at, true)),
            // The buttons in a box of their own: a flex cell is no longer a table cell, and loses
            // the row's rule and height.
            h(
              "td",
              {},
              h(
                "div",
                { class: "btn-row" },
                h("a", { class: "btn", href: `${base}/html`, target: "_blank", rel: "noopener", dataset: { action: "open" } }, t("bulletins.open")),
                h("a", { class: "btn", href: `${base}/csv`, download: `bulletin-${b.id}.zip`, dataset: { action: "csv" } }, t("bulletins.csv")),
              ),
            ),
          );
        }),
      ),
    );
  }

  function draw(bulletins) {
    return h(
      "section",
      { class: "bulletins-view" },
      heading(t("bulletins.heading")),
      h("p", { class: "muted" }, t("bulletins.intro")),
      picker(),
      h("div", { class: "btn-row archive-bar" }, h("h2", {}, t("bulletins.archive")), filterSelect()),
      bulletins.length ? table(bulletins) : empty(t("bulletins.empty")),
    );
  }

  // Nothing on the live stream changes an issued bulletin; the list is read when the view opens.
  return { refresh, onEvent: () => false };
}
