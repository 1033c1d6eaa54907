// The names a page shows for agencies, categories, centers, levels and capabilities, which
// incident status may follow which and in which task statuses each clock runs: served by the
// page's own process at /web/vocabulary.json from the platform's catalogue
// (kernel/web/vocabulary.py), so the page keeps no copy. The gateway adds its centers and the
// incident lifecycle; an agency says which agency it is.

export const vocabulary = { agencies: [], categories: [], centers: [], capabilities: [], levels: [], incident_next: {}, task_clocks: {} };

export async function loadVocabulary() {
  Object.assign(vocabulary, await fetch("/web/vocabulary.json").then((r) => r.json()));
}

function find(list, id) {
  return list.find((item) => item.id === id) || { id, name_zh: id, name_en: id };
}

export function agency(id) {
  return find(vocabulary.agencies, id);
}

export function category(id) {
  return find(vocabulary.categories, id);
}

export function center(id) {
  return find(vocabulary.centers, id);
}
