// Building the page from data. Text always goes in as text nodes, never as markup, so nothing
// an incident's reporter typed can run as code on a commander's screen.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else if (key === "value" && "value" in node) {
      node.value = value;
    } else {
      node.setAttribute(key, String(value));
    }
  }
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

// The page's icons: drawn here, never fetched.
const ICONS = {
  alarm: "M12 2 1 21h22L12 2zm0 6 1 7h-2l1-7zm-1 9h2v2h-2z",
  clock: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 5v5.4l4 2.4-1 1.6-5-3V7z",
  check: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
  live: "M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
};

export function icon(name, label) {
  const node = s("svg", { class: "icon", viewBox: "0 0 24 24", "aria-hidden": label ? null : "true", role: label ? "img" : null, "aria-label": label || null },
    s("path", { d: ICONS[name], fill: "currentColor" }));
  return node;
}

export function replace(root, ...children) {
  // Re-render without losing the keyboard user's place: the element that had focus is found
  // again by its data-focus-key and focused.
  const active = document.activeElement;
  const key = active && root.contains(active) ? active.dataset.focusKey : undefined;
  root.replaceChildren();
  append(root, children);
  if (key) {
    const again = root.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}
