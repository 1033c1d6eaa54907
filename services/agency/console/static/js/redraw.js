// The views read their data every couple of seconds. Redrawing only when what they would draw
// has changed keeps the pointer's hover, a click half made and a screen reader's place intact.

import { replace } from "/shared/js/dom.js";

export function redrawer(root) {
  let last = null;
  return function redraw(state, draw) {
    const text = JSON.stringify(state);
    if (text === last && root.firstChild) return false;
    last = text;
    replace(root, draw());
    return true;
  };
}
