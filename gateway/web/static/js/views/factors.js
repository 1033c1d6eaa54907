// Instability factors (不稳定因素): the factor board, overdue check-ins first and highlighted as
// an overdue response clock is (red row, icon and word), and for those who work factors a form
// to register one, and for the factor picked: start a sensitive-period watch, take a check-in,
// hand out the responsible person's phone link, change its status, turn it into an incident
// (commanders), the key persons it names (masked, and only for those who hold key_persons, who
// may also name one here), and its history. What is typed survives the live refreshes: the drafts live
// here, not in the page.

import { api } from "/shared/js/api.js";
import { clockNode, tick } from "/shared/js/clocks.js";
import { h, icon, replace } from "/shared/js/dom.js";
import { formatTime, named, t } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { actionRunner, empty, heading, levelBadge, statusBadge } from "/shared/js/widgets.js";

const CATEGORIES = ["land_compensation", "wage_arrears", "demolition", "worker_farmer", "pipeline", "petition", "campus", "other"];
const LEVELS = ["I", "II", "III", "IV"];
const HOUR_MS = 3600 * 1000;
// The most urgent first; the counts above the table are over every open factor.
const BOARD_LIMIT = 200;

function newDraft() {
  return { category: "wage_arrears", description: "", level: "IV", center: "stability", place: "", latitude: "", longitude: "", responsible_unit: "", person: "", phone: "", party: "", party_phone: "" };
}

export function mount(root, _params, context) {
  let board = null;
  let picked = null;
  let history = [];
  // The key persons the picked factor names, and the register to name one from (both masked).
  let linkedPersons = [];
  let people = [];
  const personLink = { person: "", note: "" };
  let link = null;
  let draft = newDraft();
  let adding = false;
  const watch = { name: "", hours: 72, interval: 120 };
  let checkInText = "";
  const escalation = { source_agency: "localgov", category: "mass_incident", title: "" };

  async function refresh() {
    board = await api(`/api/v1/factors?limit=${BOARD_LIMIT}`);
    const still = picked && board.items.find((f) => f.id === picked.id);
    picked = still || (picked ? await api(`/api/v1/factors/${encodeURIComponent(picked.id)}`).catch(() => null) : null);
    history = picked ? await api(`/api/v1/factors/${encodeURIComponent(picked.id)}/history`) : [];
    [linkedPersons, people] = picked && can("key_persons") ? await Promise.all([api(path(picked, "/key-persons")), api("/api/v1/key-persons")]) : [[], []];
    draw();
  }

  function draw() {
    replace(root, view());
    tick(root);
  }

  const act = actionRunner(context, () => refresh());
  const path = (factor, tail = "") => `/api/v1/factors/${encodeURIComponent(factor.id)}${tail}`;

  function register(event) {
    event.preventDefault();
    const body = {
      category: draft.category,
      description: draft.description.trim(),
      level: draft.level,
      center: draft.center,
      location: { place: draft.place.trim(), ...(draft.latitude && draft.longitude ? { latitude: Number(draft.latitude), longitude: Number(draft.longitude) } : {}) },
      responsible_unit: draft.responsible_unit.trim(),
      responsible_person: draft.person.trim() ? { name: draft.person.trim(), phone: draft.phone.trim() } : null,
      parties: draft.party.trim() ? [{ name: draft.party.trim(), phone: draft.party_phone.trim() }] : [],
    };
    act(async () => {
      picked = await api("/api/v1/factors", { method: "POST", body });
      draft = newDraft();
      adding = false;
    }, t("factors.registered"));
  }

  function startWatch(event) {
    event.preventDefault();
    const starts = new Date();
    const body = {
      name: watch.name.trim(),
      starts_at: starts.toISOString(),
      ends_at: new Date(starts.getTime() + Number(watch.hours) * HOUR_MS).toISOString(),
      interval_minutes: Number(watch.interval),
    };
    act(() => api(path(picked, "/watch"), { method: "POST", body }), t("factors.watch_started"));
  }

  function checkIn(event) {
    event.preventDefault();
    act(async () => {
      await api(path(picked, "/check-ins"), { method: "POST", body: { status: checkInText.trim() } });
      checkInText = "";
    }, t("factors.checked_in"));
  }

  function escalate(event) {
    event.preventDefault();
    act(async () => {
      const incident = await api(path(picked, "/escalate"), { method: "POST", body: { ...escalation, title: escalation.title.trim() } });
      context.navigate(`#/incident/${incident.id}`);
    }, t("factors.escalated"));
  }

  function linkPerson(event) {
    event.preventDefault();
    act(async () => {
      await api(`/api/v1/key-persons/${encodeURIComponent(personLink.person)}/links`, { method: "POST", body: { subject_kind: "factor", subject_id: picked.id, note: personLink.note.trim() } });
      personLink.person = "";
      personLink.note = "";
    }, t("factors.key_person_linked"));
  }

  const setStatus = (status) => act(() => api(path(picked, "/status"), { method: "POST", body: { status } }), t("factors.status_changed", { status: t(`factor_status.${status}`) }));
  const showLink = () =>
    act(async () => {
      link = await api(path(picked, "/link"));
    }, t("factors.link_ready"));

  function pick(factor) {
    picked = factor;
    link = null;
    refresh().catch(context.toastError);
  }

  // -- drawing --------------------------------------------------------------------------------

  function view() {
    const items = board.items;
    return h(
      "section",
      { class: "factors" },
      heading(t("factors.heading")),
      h(
        "div",
        { class: "stats" },
        h("div", { class: "stat", dataset: { stat: "open" } }, h("span", {}, t("factors.open")), h("b", {}, board.total)),
        h("div", { class: ["stat", board.overdue > 0 && "alarm"], dataset: { stat: "overdue" } }, h("span", {}, t("factors.overdue")), h("b", {}, board.overdue)),
      ),
      can("factors") ? addForm() : null,
      items.length ? table(items) : empty(t("factors.empty")),
      board.total > items.length ? h("p", { class: "muted" }, t("factors.showing", { shown: items.length, total: board.total })) : null,
      picked ? details(picked) : null,
    );
  }

  function field(id, label, control) {
    return h("label", { class: "field", for: id }, label, control);
  }

  function input(id, object, key, attrs = {}) {
    return h("input", { id, "data-focus-key": id, value: object[key], oninput: (e) => (object[key] = e.target.value), ...attrs });
  }

  function choice(id, object, key, options, label) {
    return h(
      "select",
      { id, "data-focus-key": id, onchange: (e) => (object[key] = e.target.value) },
      options.map((value) => h("option", { value, selected: object[key] === value }, label(value))),
    );
  }

  function addForm() {
    if (!adding) {
      return h("p", {}, h("button", { type: "button", class: "btn btn-primary", "data-focus-key": "factor-add", dataset: { action: "add-factor" }, onclick: () => ((adding = true), draw()) }, t("factors.add")));
    }
    return h(
      "form",
      { id: "factor-form", class: "panel factor-form", onsubmit: register },
      h("h2", {}, t("factors.add")),
      h(
        "div",
        { class: "factor-grid" },
        field("f-category", t("factors.category"), choice("f-category", draft, "category", CATEGORIES, (c) => t(`factor_category.${c}`))),
        field("f-level", t("factors.level"), choice("f-level", draft, "level", LEVELS, (l) => t(`level.${l}.name`))),
        field("f-center", t("factors.center"), choice("f-center", draft, "center", vocabulary.centers.map((c) => c.id), (id) => named(vocabulary.centers.find((c) => c.id === id)))),
        field("f-description", t("factors.description"), h("textarea", { id: "f-description", "data-focus-key": "f-description", required: true, maxlength: 4000, oninput: (e) => (draft.description = e.target.value) }, draft.description)),
        field("f-place", t("factors.place"), input("f-place", draft, "place", { maxlength: 500 })),
        field("f-latitude", t("factors.latitude"), input("f-latitude", draft, "latitude", { inputmode: "decimal" })),
        field("f-longitude", t("factors.longitude"), input("f-longitude", draft, "longitude", { inputmode: "decimal" })),
        field("f-unit", t("factors.responsible_unit"), input("f-unit", draft, "responsible_unit", { required: true, maxlength: 200 })),
        field("f-person", t("factors.responsible_person"), input("f-person", draft, "person", { maxlength: 100 })),
        field("f-phone", t("factors.responsible_phone"), input("f-phone", draft, "phone", { maxlength: 40, inputmode: "tel" })),
        field("f-party", t("factors.party"), input("f-party", draft, "party", { maxlength: 100 })),
        field("f-party-phone", t("factors.party_phone"), input("f-party-phone", draft, "party_phone", { maxlength: 40, inputmode: "tel" })),
      ),
      h(
        "div",
        { class: "btn-row" },
        h("button", { type: "submit", class: "btn btn-primary", dataset: { action: "register" } }, t("factors.register")),
        h("button", { type: "button", class: "btn", onclick: () => ((adding = false), draw()) }, t("factors.cancel")),
      ),
    );
  }

  function table(items) {
    return h(
      "table",
      { class: "board-table factor-table", "aria-label": t("factors.heading") },
      h("thead", {}, h("tr", {}, [t("factors.col.level"), t("factors.col.factor"), t("factors.col.responsible"), t("factors.col.status"), t("factors.col.next"), t("factors.col.last"), ""].map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, items.map(row)),
    );
  }

  function nextCheckIn(factor) {
    const w = factor.watch;
    if (!w) return h("span", { class: "muted" }, t("factors.not_watched"));
    return clockNode({ kind: "check_in", deadline: w.due_at, status: w.state === "overdue" ? "breached" : "running" });
  }

  function row(factor) {
    const w = factor.watch;
    return h(
      "tr",
      {
        class: [`lvl-${factor.level}`, picked && picked.id === factor.id && "picked"],
        dataset: { factorId: factor.id, hasClocks: "", serverOverdue: String(Boolean(w && w.overdue)), level: factor.level },
      },
      h("td", {}, levelBadge(factor.level), h("br"), overdueFlagFor(w)),
      h(
        "td",
        { class: "title" },
        h("span", {}, factor.description),
        h("span", { class: "sub" }, [t(`factor_category.${factor.category}`), factor.place, factor.parties.map((p) => p.name).join("、")].filter(Boolean).join(" · ")),
      ),
      h("td", {}, factor.responsible_unit, h("span", { class: "sub" }, [factor.responsible_name || t("factors.nobody"), factor.responsible_phone].filter(Boolean).join(" "))),
      h("td", {}, statusBadge("factor_status", factor.status)),
      h("td", {}, nextCheckIn(factor)),
      h("td", {}, w && w.last_check_in_at ? [h("time", { datetime: w.last_check_in_at }, formatTime(w.last_check_in_at, true)), h("span", { class: "sub" }, w.last_status)] : "—"),
      h("td", {}, h("button", { type: "button", class: "btn", "data-focus-key": `pick-${factor.id}`, dataset: { action: "pick" }, onclick: () => pick(factor) }, t("factors.open_details"))),
    );
  }

  // Shown and hidden by the clock tick with its row, as the boards' overdue flags are.
  function overdueFlagFor(w) {
    return h("span", { class: "overdue-flag", hidden: !(w && w.overdue) }, icon("alarm"), t("factors.check_in_overdue"));
  }

  function details(factor) {
    const open = !["resolved", "became_incident"].includes(factor.status);
    return h(
      "section",
      { class: "panel factor-details", dataset: { factorId: factor.id } },
      h("h2", {}, t("factors.details"), " ", statusBadge("factor_status", factor.status)),
      h("p", {}, factor.description),
      factor.incident_id ? h("p", {}, t("factors.became"), " ", h("a", { href: `#/incident/${factor.incident_id}`, dataset: { incidentLink: factor.incident_id } }, factor.incident_id.slice(0, 8))) : null,
      open && can("factors") ? actions(factor) : null,
      can("key_persons") ? keyPersonPanel() : null,
      h("h3", {}, t("factors.history")),
      h(
        "ol",
        { class: "factor-history" },
        history.map((event) => h("li", { dataset: { action: event.action } }, h("time", { datetime: event.at }, formatTime(event.at, true)), " ", event.actor, " · ", t(`factor_action.${event.action}`), event.data.status ? `：${event.data.status}` : "")),
      ),
    );
  }

  // As the incident view shows them: masked, each a way to the register (where an identity is
  // read with a reason).
  function keyPersonPanel() {
    const linked = new Set(linkedPersons.map((link) => link.person.id));
    const choices = people.filter((p) => !linked.has(p.id));
    return h(
      "section",
      { class: "factor-key-persons", id: "factor-key-persons" },
      h("h3", {}, t("factors.key_persons")),
      linkedPersons.length
        ? h(
            "ul",
            {},
            linkedPersons.map((link) => h("li", { dataset: { personId: link.person.id } }, h("a", { href: "#/key-persons" }, link.person.name), ` ${link.person.id_number}`, link.note ? h("span", { class: "sub" }, link.note) : null)),
          )
        : h("p", { class: "muted" }, t("factors.no_key_persons")),
      choices.length
        ? h(
            "form",
            { class: "btn-row", id: "key-person-link-form", onsubmit: linkPerson },
            field(
              "k-person",
              t("factors.key_person"),
              h(
                "select",
                { id: "k-person", "data-focus-key": "k-person", required: true, onchange: (e) => (personLink.person = e.target.value) },
                h("option", { value: "" }, t("factors.key_person_choose")),
                choices.map((p) => h("option", { value: p.id, selected: personLink.person === p.id }, `${p.name} ${p.id_number}`)),
              ),
            ),
            field("k-note", t("factors.key_person_note"), input("k-note", personLink, "note", { maxlength: 1000 })),
            h("button", { type: "submit", class: "btn", dataset: { action: "link-person" } }, t("factors.link_key_person")),
          )
        : null,
    );
  }

  function actions(factor) {
    const watching = factor.watch;
    return h(
      "div",
      { class: "factor-actions" },
      h(
        "form",
        { class: "btn-row", id: "watch-form", onsubmit: startWatch },
        field("w-name", t("factors.watch_name"), input("w-name", watch, "name", { maxlength: 200 })),
        field("w-hours", t("factors.watch_hours"), input("w-hours", watch, "hours", { type: "number", min: 1, max: 2160 })),
        field("w-interval", t("factors.watch_interval"), input("w-interval", watch, "interval", { type: "number", min: 5, max: 10080 })),
        h("button", { type: "submit", class: "btn", dataset: { action: "start-watch" } }, watching ? t("factors.restart_watch") : t("factors.start_watch")),
      ),
      watching
        ? h(
            "form",
            { class: "btn-row", id: "check-in-form", onsubmit: checkIn },
            field("c-status", t("factors.check_in_status"), h("input", { id: "c-status", "data-focus-key": "c-status", required: true, maxlength: 500, value: checkInText, oninput: (e) => (checkInText = e.target.value) })),
            h("button", { type: "submit", class: "btn btn-primary", dataset: { action: "check-in" } }, t("factors.check_in")),
            h("button", { type: "button", class: "btn", dataset: { action: "link" }, onclick: showLink }, t("factors.link")),
          )
        : null,
      link ? h("p", { class: "factor-link" }, t("factors.link_until", { time: formatTime(link.expires_at, true) }), " ", h("a", { href: link.path, target: "_blank", rel: "noopener" }, link.url)) : null,
      h(
        "div",
        { class: "btn-row" },
        ["watching", "easing", "resolved"]
          .filter((s) => s !== factor.status)
          .map((s) => h("button", { type: "button", class: "btn", dataset: { action: `status-${s}` }, onclick: () => setStatus(s) }, t(`factors.to.${s}`))),
      ),
      can("command")
        ? h(
            "form",
            { class: "btn-row", id: "escalate-form", onsubmit: escalate },
            field("e-agency", t("factors.escalate_agency"), choice("e-agency", escalation, "source_agency", vocabulary.agencies.map((a) => a.id), (id) => named(vocabulary.agencies.find((a) => a.id === id)))),
            field("e-category", t("factors.escalate_category"), choice("e-category", escalation, "category", vocabulary.categories.map((c) => c.id), (id) => named(vocabulary.categories.find((c) => c.id === id)))),
            field("e-title", t("factors.escalate_title"), input("e-title", escalation, "title", { required: true, maxlength: 200 })),
            h("button", { type: "submit", class: "btn btn-danger", dataset: { action: "escalate" } }, t("factors.escalate")),
          )
        : null,
    );
  }

  return {
    refresh,
    // Only changes of factors redraw this view.
    onEvent: (event) => (event.kind === "factor" ? undefined : false),
  };
}
