// A member's phone page, opened from a personal call-up link (/m/<token>) without an account:
// what the call-up is, four big answers (acknowledge, on my way, arrived, cannot come with a
// reason) and what has been recorded. The token is the link's last path segment; the agency's
// API judges it: a forged link is refused (401), an expired one, or one of a cancelled or
// stood-down call-up, is gone (410), and the page says which in plain words.

import { api, ApiError } from "/shared/js/api.js";
import { h, icon, replace } from "/shared/js/dom.js";
import { bindLangSwitch, formatTime, lang, loadCatalogues, named, onLangChange, setLang, t } from "/shared/js/i18n.js";
import { toastError } from "/shared/js/toast.js";
import { agency, loadVocabulary, vocabulary } from "/shared/js/vocabulary.js";
import { drillBadge, levelBadge } from "/shared/js/widgets.js";

const main = document.getElementById("main");
const token = location.pathname.split("/").filter(Boolean).pop() || "";
const address = `/api/v1/m/${encodeURIComponent(token)}`;
const ANSWERS = ["acknowledged", "on_the_way", "arrived", "declined"];

let callUp = null;
let failure = null;
let declining = false;
let busy = false;

async function read() {
  try {
    callUp = await api(address);
    failure = null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    failure = error;
  }
  draw();
}

async function answer(kind, reason) {
  if (busy) return;
  busy = true;
  try {
    const answered = await api(`${address}/answer`, { method: "POST", body: reason === undefined ? { answer: kind } : { answer: kind, reason } });
    callUp.answers = answered.answers;
    declining = false;
    draw();
    document.getElementById("recorded").focus();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 410)) {
      failure = error;
      draw();
    } else {
      toastError(error);
    }
  } finally {
    busy = false;
  }
}

// Why the link does not work: forged (401); or gone (410) because it expired (the API says
// until when) or because the call-up was cancelled or stood down (the API says which).
function failureReason() {
  if (failure.status === 401) return "invalid";
  if (failure.status !== 410) return "gone";
  if (failure.body.expired_at) return "expired";
  return ["cancelled", "stood_down"].includes(failure.body.status) ? failure.body.status : "gone";
}

function drawFailure() {
  const reason = failureReason();
  return h(
    "section",
    { class: "gone", dataset: { reason } },
    h("p", { class: "gone-icon" }, icon("alarm")),
    h("h1", { tabindex: "-1" }, t(`member.failure.${reason}`)),
    h("p", {}, t("member.failure.what_now")),
    reason === "gone" ? h("p", { class: "muted" }, failure.message) : null,
  );
}

function recorded() {
  return h(
    "section",
    { class: "recorded", id: "recorded", tabindex: "-1", "aria-live": "polite" },
    h("h2", {}, t("member.recorded")),
    h(
      "ul",
      {},
      ANSWERS.map((kind) => {
        const at = callUp.answers[`${kind}_at`];
        return h(
          "li",
          { dataset: { answer: kind, answered: at ? "true" : "false" } },
          at ? icon("check") : null,
          h("span", {}, t(`member.answered.${kind}`)),
          h("time", { datetime: at || null }, at ? formatTime(at) : "—"),
        );
      }),
    ),
    callUp.answers.reason ? h("p", { class: "muted" }, t("member.reason_given", { reason: callUp.answers.reason })) : null,
  );
}

function buttons() {
  if (declining) {
    const reason = h("textarea", { id: "reason", name: "reason", required: true, maxlength: 500 });
    return h(
      "form",
      {
        class: "decline",
        onsubmit: (event) => {
          event.preventDefault();
          answer("declined", reason.value.trim());
        },
      },
      h("label", { class: "field", for: "reason" }, t("member.reason"), reason),
      h("button", { type: "submit", class: "big btn-danger", dataset: { answer: "declined" } }, t("member.send_decline")),
      h(
        "button",
        {
          type: "button",
          class: "big",
          onclick: () => {
            declining = false;
            draw();
          },
        },
        t("member.back"),
      ),
    );
  }
  return h(
    "div",
    { class: "answers" },
    ANSWERS.map((kind) => {
      const done = Boolean(callUp.answers[`${kind}_at`]);
      // Someone who has said they are coming can no longer say they cannot (the API refuses it).
      const closed = kind === "declined" && Boolean(callUp.answers.acknowledged_at);
      return h(
        "button",
        {
          type: "button",
          class: ["big", kind === "declined" ? "btn-danger" : "btn-primary", done && "done"],
          dataset: { answer: kind },
          disabled: done || closed,
          onclick: () => {
            if (kind !== "declined") return answer(kind);
            declining = true;
            draw();
            document.getElementById("reason").focus();
          },
        },
        done ? icon("check") : null,
        t(`member.answer.${kind}`),
      );
    }),
  );
}

function drawCallUp() {
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  const incident = callUp.incident;
  return h(
    "section",
    { dataset: { callUpId: callUp.call_up_id } },
    h("h1", { tabindex: "-1" }, t("member.heading"), callUp.drill ? [" ", drillBadge()] : null),
    h("p", { class: "greeting" }, t("member.greeting", { name: callUp.member.name })),
    h(
      "dl",
      { class: "facts" },
      incident ? row(t("member.incident"), [levelBadge(incident.level), " ", incident.title]) : null,
      row(t("member.assembly_point"), callUp.assembly_point || "—"),
      row(t("member.called_at"), formatTime(callUp.called_at, true)),
      row(t("member.expires_at"), formatTime(callUp.expires_at, true)),
    ),
    buttons(),
    recorded(),
  );
}

function draw() {
  document.getElementById("agency-name").textContent = named(agency(vocabulary.agency));
  document.title = t("member.title");
  if (failure) replace(main, drawFailure());
  else if (callUp) replace(main, drawCallUp());
}

async function boot() {
  await Promise.all([loadCatalogues(), loadVocabulary()]);
  setLang(lang());
  bindLangSwitch(document.getElementById("lang-switch"));
  onLangChange(draw);
  await read();
  document.documentElement.dataset.ready = "true";
}

boot();
