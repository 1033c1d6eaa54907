// Disputes mediated to an outcome (矛盾纠纷排查调处): the year's figures (by month, kind and
// mediator, with the settled rate and a CSV download), the cases with their parties masked,
// and one case whole with what may be recorded next: a session, the outcome, the follow-up.
// The server keeps the order (sessions before the outcome, one outcome, the follow-up after);
// the page offers only what the case's state allows.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { formatTime, named, t } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { center, vocabulary } from "/shared/js/vocabulary.js";
import { empty, factRow, heading } from "/shared/js/widgets.js";

const PAGE = 50;

// Today's date in the district, as the forms' default (YYYY-MM-DD).
function today() {
  return new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Shanghai" });
}

function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function mount(root, [caseId], context) {
  let words = null;
  let year = null;
  let centerId = "";
  let stage = "";
  let adding = false;

  const kindName = (id) => named(words.kinds.find((k) => k.id === id)) || id;
  const outcomeName = (id) => named(words.outcomes.find((o) => o.id === id)) || id;

  async function refresh() {
    words = words || (await api("/api/v1/disputes/vocabulary"));
    if (caseId) {
      replace(root, drawCase(await api(`/api/v1/disputes/${encodeURIComponent(caseId)}`)));
      return;
    }
    const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== null)).toString();
    let figures = await api(`/api/v1/disputes/figures?${query({ year: year || "", center: centerId })}`);
    if (year === null) {
      // The latest year whose cases reached an outcome: in January, last year's whole figures.
      const latest = figures.by_year.filter((row) => row.mediated > 0).map((row) => Number(row.key)).pop();
      year = latest || figures.year;
      if (year !== figures.year) figures = await api(`/api/v1/disputes/figures?${query({ year, center: centerId })}`);
    }
    const cases = await api(`/api/v1/disputes?${query({ limit: PAGE, stage, center: centerId })}`);
    replace(root, drawList(figures, cases));
  }

  // -- the figures and the list -------------------------------------------------------------

  function drawList(figures, cases) {
    return h(
      "section",
      { class: "disputes" },
      heading(t("disputes.heading")),
      filters(figures),
      totals(figures.total),
      h(
        "div",
        { class: "grid-2" },
        figuresTable("by-month", t("disputes.by_month"), t("disputes.month"), figures.by_month, (key) => key),
        h(
          "div",
          {},
          figuresTable("by-kind", t("disputes.by_kind"), t("disputes.kind"), figures.by_kind, kindName),
          figuresTable("by-mediator", t("disputes.by_mediator"), t("disputes.mediator"), figures.by_mediator, (key) => key),
          figuresTable("by-grid", t("disputes.by_grid"), t("disputes.grid_cell"), figures.by_grid, (key) => key || t("disputes.no_grid")),
        ),
      ),
      h("h2", {}, t("disputes.cases")),
      h(
        "div",
        { class: "btn-row" },
        h(
          "label",
          { class: "field", for: "dispute-stage" },
          t("disputes.stage"),
          h(
            "select",
            { id: "dispute-stage", "data-focus-key": "dispute-stage", onchange: (event) => ((stage = event.target.value), refresh().catch(context.toastError)) },
            h("option", { value: "" }, t("disputes.all")),
            ["registered", "in_mediation", "outcome", "followed_up"].map((s) => h("option", { value: s, selected: s === stage }, t(`dispute_stage.${s}`))),
          ),
        ),
        can("intake")
          ? h("button", { type: "button", class: "btn btn-primary", id: "dispute-add", "data-focus-key": "dispute-add", onclick: () => ((adding = !adding), refresh().catch(context.toastError)) }, t("disputes.add"))
          : null,
      ),
      adding && can("intake") ? addForm() : null,
      cases.items.length ? caseTable(cases) : empty(t("disputes.none")),
    );
  }

  function filters(figures) {
    const years = [...new Set([...figures.by_year.map((row) => Number(row.key)), figures.year, Number(today().slice(0, 4))])].sort();
    return h(
      "div",
      { class: "btn-row panel" },
      h(
        "label",
        { class: "field", for: "dispute-year" },
        t("disputes.year"),
        h(
          "select",
          { id: "dispute-year", "data-focus-key": "dispute-year", onchange: (event) => ((year = Number(event.target.value)), refresh().catch(context.toastError)) },
          years.map((y) => h("option", { value: String(y), selected: y === figures.year }, String(y))),
        ),
      ),
      h(
        "label",
        { class: "field", for: "dispute-center" },
        t("disputes.center"),
        h(
          "select",
          { id: "dispute-center", "data-focus-key": "dispute-center", onchange: (event) => ((centerId = event.target.value), refresh().catch(context.toastError)) },
          h("option", { value: "" }, t("disputes.district")),
          vocabulary.centers.map((c) => h("option", { value: c.id, selected: c.id === centerId }, named(c))),
        ),
      ),
      h(
        "a",
        { class: "btn", id: "dispute-csv", href: `/api/v1/disputes/figures.csv?year=${figures.year}${centerId ? `&center=${centerId}` : ""}`, download: `disputes-${figures.year}.csv` },
        t("disputes.csv"),
      ),
    );
  }

  function totals(total) {
    const stat = (name, label, value) => h("div", { class: "stat", dataset: { figure: name } }, label, h("b", {}, value));
    return h(
      "div",
      { class: "stats" },
      stat("reported", t("disputes.reported"), total.reported),
      stat("mediated", t("disputes.mediated"), total.mediated),
      stat("settled", t("disputes.settled"), total.settled),
      stat("settled_rate", t("disputes.settled_rate"), percent(total.settled_rate)),
    );
  }

  function figuresTable(id, title, keyLabel, rows, label) {
    return h(
      "section",
      { class: "panel figures", id: `figures-${id}` },
      h("h3", {}, title),
      rows.length
        ? h(
            "table",
            { class: "figures-table" },
            h("thead", {}, h("tr", {}, [keyLabel, t("disputes.reported"), t("disputes.mediated"), t("disputes.settled"), t("disputes.settled_rate")].map((text, n) => h("th", { scope: "col", class: n ? "num" : null }, text)))),
            h(
              "tbody",
              {},
              rows.map((row) =>
                h(
                  "tr",
                  { dataset: { key: row.key || "" } },
                  h("th", { scope: "row" }, label(row.key)),
                  h("td", { class: "num" }, row.reported),
                  h("td", { class: "num" }, row.mediated),
                  h("td", { class: "num" }, row.settled),
                  h("td", { class: "num" }, percent(row.settled_rate)),
                ),
              ),
            ),
          )
        : empty(t("disputes.no_figures")),
    );
  }

  function caseTable(cases) {
    return h(
      "table",
      { class: "dispute-table" },
      h("thead", {}, h("tr", {}, [t("disputes.reported_at"), t("disputes.kind"), t("disputes.summary"), t("disputes.parties"), t("disputes.mediator"), t("disputes.stage")].map((text) => h("th", { scope: "col" }, text)))),
      h(
        "tbody",
        {},
        cases.items.map((c) =>
          h(
            "tr",
            { dataset: { caseId: c.id, stage: c.stage } },
            h("td", {}, formatTime(c.reported_at, true)),
            h("td", {}, kindName(c.kind)),
            h("td", { class: "title" }, h("a", { href: `#/disputes/${encodeURIComponent(c.id)}` }, c.summary), h("span", { class: "sub" }, c.place)),
            h("td", {}, c.parties.map((p) => p.name).join("、")),
            h("td", {}, c.mediator),
            h("td", {}, stageBadge(c)),
          ),
        ),
      ),
      cases.total > cases.items.length ? h("caption", { class: "muted" }, t("disputes.showing", { shown: cases.items.length, total: cases.total })) : null,
    );
  }

  function stageBadge(c) {
    const tone = { settled: "ok", not_settled: "bad" }[c.outcome];
    return h("span", { class: ["badge", tone && `badge-${tone}`], dataset: { status: c.stage } }, c.outcome ? outcomeName(c.outcome) : t(`dispute_stage.${c.stage}`));
  }

  // -- forms ---------------------------------------------------------------------------------

  function field(id, label, control) {
    return h("label", { class: "field", for: id }, label, control);
  }

  // The server's refusal beside the form, field by field, with the form kept as typed.
  function refusalText(failure) {
    const fields = (failure.body && failure.body.fields) || [];
    return fields.length ? fields.map((f) => `${f.field}: ${f.message.replace(/^Value error, /, "")}`).join("; ") : failure.message;
  }

  // `then`: what follows success (by default this view read again).
  function submitter(form, error, send, done, then = () => refresh().catch(context.toastError)) {
    return async (event) => {
      event.preventDefault();
      let answer;
      try {
        answer = await send(new FormData(form));
      } catch (failure) {
        if (failure.status !== 401) replace(error, refusalText(failure));
        return;
      }
      context.toast(done);
      adding = false;
      await then(answer);
    };
  }

  function addForm() {
    const error = h("p", { class: "error-text wide", role: "alert", id: "dispute-add-error" });
    const form = h(
      "form",
      { class: "form panel", id: "dispute-form" },
      field("d-kind", t("disputes.kind"), h("select", { id: "d-kind", name: "kind" }, words.kinds.map((k) => h("option", { value: k.id }, named(k))))),
      field("d-center", t("disputes.center"), h("select", { id: "d-center", name: "center" }, vocabulary.centers.map((c) => h("option", { value: c.id }, named(c))))),
      h("div", { class: "wide" }, field("d-summary", t("disputes.summary"), h("input", { id: "d-summary", name: "summary", required: true, maxlength: 2000 }))),
      field("d-party1", t("disputes.party_1"), h("input", { id: "d-party1", name: "party1", required: true, maxlength: 100 })),
      field("d-phone1", t("disputes.party_phone"), h("input", { id: "d-phone1", name: "phone1", maxlength: 40 })),
      field("d-party2", t("disputes.party_2"), h("input", { id: "d-party2", name: "party2", maxlength: 100 })),
      field("d-phone2", t("disputes.party_phone"), h("input", { id: "d-phone2", name: "phone2", maxlength: 40 })),
      field("d-place", t("disputes.place"), h("input", { id: "d-place", name: "place", required: true, maxlength: 500 })),
      field("d-grid", t("disputes.grid_cell"), h("input", { id: "d-grid", name: "grid_cell", maxlength: 32 })),
      field("d-mediator", t("disputes.mediator"), h("input", { id: "d-mediator", name: "mediator", required: true, maxlength: 100 })),
      h("div", { class: "btn-row" }, h("button", { type: "submit", class: "btn btn-primary" }, t("disputes.register"))),
      error,
    );
    form.addEventListener(
      "submit",
      submitter(
        form,
        error,
        async (data) => {
          const parties = [
            { name: data.get("party1").trim(), phone: data.get("phone1").trim() },
            { name: data.get("party2").trim(), phone: data.get("phone2").trim() },
          ].filter((p) => p.name);
          return api("/api/v1/disputes", {
            method: "POST",
            body: {
              kind: data.get("kind"),
              center: data.get("center"),
              summary: data.get("summary").trim(),
              parties,
              place: data.get("place").trim(),
              grid_cell: data.get("grid_cell").trim() || null,
              mediator: data.get("mediator").trim(),
            },
          });
        },
        t("disputes.registered"),
        // The new case's own view takes the page over.
        (made) => context.navigate(`#/disputes/${encodeURIComponent(made.id)}`),
      ),
    );
    return form;
  }

  function stepForm(dispute, step) {
    const error = h("p", { class: "error-text wide", role: "alert", id: `dispute-${step}-error` });
    const date = (name) => h("input", { type: "date", id: `s-${step}-${name}`, name, required: true, value: today(), max: today() });
    const controls = {
      session: [
        field(`s-session-held_on`, t("disputes.held_on"), date("held_on")),
        field(`s-session-mediator`, t("disputes.mediator"), h("input", { id: "s-session-mediator", name: "mediator", required: true, value: dispute.mediator, maxlength: 100 })),
        h("div", { class: "wide" }, field(`s-session-notes`, t("disputes.notes"), h("textarea", { id: "s-session-notes", name: "notes", required: true, maxlength: 4000 }))),
      ],
      outcome: [
        field("s-outcome-outcome", t("disputes.outcome"), h("select", { id: "s-outcome-outcome", name: "outcome" }, words.outcomes.map((o) => h("option", { value: o.id }, named(o))))),
        field("s-outcome-decided_on", t("disputes.decided_on"), date("decided_on")),
        h("div", { class: "wide" }, field("s-outcome-agreement", t("disputes.agreement"), h("textarea", { id: "s-outcome-agreement", name: "agreement", maxlength: 4000 }))),
      ],
      follow_up: [
        field("s-follow_up-visited_on", t("disputes.visited_on"), date("visited_on")),
        h("div", { class: "wide" }, field("s-follow_up-note", t("disputes.follow_up_note"), h("textarea", { id: "s-follow_up-note", name: "note", required: true, maxlength: 2000 }))),
      ],
    }[step];
    const send = {
      session: (data) => ({ path: "sessions", body: { held_on: data.get("held_on"), mediator: data.get("mediator").trim(), notes: data.get("notes").trim() } }),
      outcome: (data) => ({ path: "outcome", body: { outcome: data.get("outcome"), decided_on: data.get("decided_on"), agreement: data.get("agreement").trim() || null } }),
      follow_up: (data) => ({ path: "follow-up", body: { visited_on: data.get("visited_on"), note: data.get("note").trim() } }),
    }[step];
    const form = h(
      "form",
      { class: "form panel", id: `dispute-${step}` },
      h("h3", { class: "wide" }, t(`disputes.record_${step}`)),
      controls,
      h("div", { class: "btn-row" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { action: step } }, t("disputes.record"))),
      error,
    );
    form.addEventListener(
      "submit",
      submitter(
        form,
        error,
        (data) => {
          const { path, body } = send(data);
          return api(`/api/v1/disputes/${encodeURIComponent(dispute.id)}/${path}`, { method: "POST", body });
        },
        t("disputes.recorded"),
      ),
    );
    return form;
  }

  // -- one case ------------------------------------------------------------------------------

  function drawCase(d) {
    return h(
      "article",
      { class: "dispute", dataset: { caseId: d.id, stage: d.stage } },
      heading(d.summary, " ", stageBadge(d)),
      h("p", {}, h("a", { href: "#/disputes" }, t("disputes.back"))),
      h(
        "div",
        { class: "grid-2" },
        h(
          "section",
          { class: "panel" },
          h("h2", {}, t("disputes.facts")),
          h(
            "dl",
            { class: "facts" },
            factRow(t("disputes.kind"), kindName(d.kind)),
            factRow(t("disputes.parties"), h("ul", { class: "parties" }, d.parties.map((p) => h("li", {}, [p.name, p.id_number, p.phone].filter(Boolean).join(" "))))),
            factRow(t("disputes.place"), d.place, d.latitude !== null ? h("span", { class: "sub" }, `${d.latitude.toFixed(4)}, ${d.longitude.toFixed(4)} (WGS-84)`) : null),
            factRow(t("disputes.grid_cell"), d.grid_cell || t("disputes.no_grid")),
            factRow(t("disputes.center"), named(center(d.center))),
            factRow(t("disputes.mediator"), d.mediator),
            factRow(t("disputes.reported_at"), formatTime(d.reported_at, true)),
            d.outcome ? factRow(t("disputes.outcome"), `${outcomeName(d.outcome)} · ${d.outcome_on}`, d.agreement ? h("span", { class: "sub" }, d.agreement) : null) : null,
            d.follow_up_on ? factRow(t("disputes.follow_up"), `${d.follow_up_on} · ${d.follow_up_note}`) : null,
          ),
          d.parties_masked ? h("p", { class: "muted" }, t("disputes.masked")) : null,
        ),
        h(
          "section",
          { class: "panel" },
          h("h2", {}, t("disputes.sessions")),
          d.session_notes.length
            ? h("ol", { class: "timeline" }, d.session_notes.map((s) => h("li", {}, h("time", { datetime: s.held_on }, s.held_on), h("span", {}, `${s.mediator} — ${s.notes}`))))
            : empty(t("disputes.no_sessions")),
        ),
      ),
      can("intake") ? d.allowed.map((step) => stepForm(d, step)) : null,
    );
  }

  return { refresh, onEvent: () => false };
}
