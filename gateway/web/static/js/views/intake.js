// The intake form: an incident reported from the command room, by any agency, in any category
// (the form itself is shared with the agencies' duty rooms).

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { t } from "/shared/js/i18n.js";
import { reportForm } from "/shared/js/report-form.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { heading } from "/shared/js/widgets.js";

export function mount(root, _params, context) {
  async function submit(body, key) {
    try {
      return await api("/api/v1/incidents", { method: "POST", body, headers: { "Idempotency-Key": key } });
    } catch (failure) {
      if (failure.status === 403) context.toastError(failure);
      throw failure;
    }
  }

  function draw() {
    const agencies = vocabulary.agencies.map((a) => a.id);
    const form = reportForm({
      id: "intake-form",
      sourceAgencies: agencies,
      categories: vocabulary.categories.map((c) => c.id),
      involvedAgencies: agencies,
      channel: "command-room",
      submit,
      done: (incident) => {
        context.toast(t("intake.created", { title: incident.title }));
        context.navigate(`#/incident/${incident.id}`);
      },
    });
    replace(root, h("section", {}, heading(t("intake.heading")), h("p", { class: "muted" }, t("intake.help")), form));
  }

  return {
    refresh: async () => {
      if (!root.querySelector("#intake-form")) draw();
    },
    onEvent: () => false,
  };
}
