// Chinese by default, English by the switch; the choice is kept in this browser.
// Catalogues are flat: key -> text, with {name} placeholders.

const STORE = "jcp.lang";
const catalogues = {};
let current = localStorage.getItem(STORE) === "en" ? "en" : "zh";
const listeners = [];

export async function loadCatalogues() {
  const [zh, en] = await Promise.all(
    ["zh", "en"].map((lang) => fetch(`/web/i18n/${lang}.json`).then((r) => r.json())),
  );
  catalogues.zh = zh;
  catalogues.en = en;
}

export function lang() {
  return current;
}

export function locale() {
  return current === "zh" ? "zh-CN" : "en-GB";
}

export function setLang(value) {
  current = value === "en" ? "en" : "zh";
  localStorage.setItem(STORE, current);
  document.documentElement.lang = locale();
  applyStatic(document);
  for (const listener of listeners) listener(current);
}

export function onLangChange(listener) {
  listeners.push(listener);
}

export function t(key, params) {
  let text = catalogues[current][key] ?? catalogues.zh[key];
  if (text === undefined) {
    console.error("missing message", key);
    return key;
  }
  for (const [name, value] of Object.entries(params || {})) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

// The name of a thing that carries its own names (agencies, categories, centers).
export function named(item) {
  if (!item) return "";
  return current === "zh" ? item.name_zh : item.name_en;
}

export function applyStatic(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  }
}

export function formatTime(value, withDate = false) {
  if (!value) return "";
  const options = { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
  if (withDate) Object.assign(options, { month: "2-digit", day: "2-digit" });
  return new Date(value).toLocaleString(locale(), options);
}

// For codes that come from data and may be new (a partner, a unit kind): the code itself
// when the catalogue does not name it yet.
export function tOr(key, fallback) {
  return key in catalogues[current] ? t(key) : fallback;
}
