// Chinese by default, English by the switch; the choice is kept in this browser, for every
// page of the platform. Catalogues are flat: key -> text, with {name} placeholders. A page loads
// the shared catalogue (/shared/i18n/) and its own (/web/i18n/): one place for each message.

const STORE = "jcp.lang";
const catalogues = {};
let current = localStorage.getItem(STORE) === "en" ? "en" : "zh";
const listeners = [];

const FOLDERS = ["/shared/i18n", "/web/i18n"];

export async function loadCatalogues() {
  await Promise.all(
    ["zh", "en"].map(async (lang) => {
      const layers = await Promise.all(FOLDERS.map((folder) => fetch(`${folder}/${lang}.json`).then((r) => r.json())));
      catalogues[lang] = Object.assign({}, ...layers);
    }),
  );
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

// The switch names the other language, in that language.
export function bindLangSwitch(button) {
  const draw = () => {
    const other = current === "zh" ? "en" : "zh";
    button.textContent = t(`lang.switch_to_${other}`);
    button.lang = other === "en" ? "en" : "zh-CN";
  };
  draw();
  button.addEventListener("click", () => setLang(current === "zh" ? "en" : "zh"));
  onLangChange(draw);
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
