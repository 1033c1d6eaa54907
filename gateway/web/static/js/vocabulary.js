// Names of agencies, categories and centers, and which incident status may follow which:
// served by the gateway from the platform's own catalogue, so the page keeps no copy.

export const vocabulary = { agencies: [], categories: [], centers: [], levels: [], incident_next: {} };

export async function loadVocabulary() {
  Object.assign(vocabulary, await fetch("/web/vocabulary.json").then((r) => r.json()));
}

export function agency(id) {
  return vocabulary.agencies.find((a) => a.id === id) || { id, name_zh: id, name_en: id };
}

export function category(id) {
  return vocabulary.categories.find((c) => c.id === id) || { id, name_zh: id, name_en: id };
}

export function center(id) {
  return vocabulary.centers.find((c) => c.id === id) || { id, name_zh: id, name_en: id };
}
