// The agency this duty room belongs to, as its console API describes it (GET /api/v1/agency):
// its names and categories, its own words for task and unit statuses, and whether its links to
// the command center (gateway) and the message broker are up.

import { api } from "/shared/js/api.js";
import { lang, t } from "/shared/js/i18n.js";

export const here = { profile: null };

export async function readAgency() {
  here.profile = await api("/api/v1/agency");
  return here.profile;
}

// A status in the agency's own words (an oil field's 已接警 rather than the platform's 已确认):
// the item's `status_word` (the API answers in the page's language), else the agency's word for
// the code, else the platform's (`family`: task_status, unit_status).
export function ownWord(family, item) {
  if (item.status_word) return item.status_word;
  const words = here.profile && here.profile.words[family.replace("_status", "")];
  return (words && words[lang()] && words[lang()][item.status]) || t(`${family}.${item.status}`);
}
