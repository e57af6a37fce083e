// New-event counters on the menu (seed 004 §4.1) and the exact thing a notification opens.
//
// The server keeps, per user, how many feed entries arrived in each section since the user last opened it
// (GET /me/sections, one read); opening a page of a section with something new tells the server it was seen.
// A notification's link may name an element of a list page (`?focus=contract-…`): it is scrolled to and marked.

import { h } from "./ui.js";

// Menu section of a page: its path's first segment, except the meter pages, which live under the accounts.
const SECTION_OF_SEGMENT = { meter: "accounts" };

export function sectionOf(path) {
  const segment = path.split("/")[1] || "";
  return SECTION_OF_SEGMENT[segment] || segment;
}

// The small number beside a menu item; `what` says what it counts, for screen readers.
export function countBadge(count, what) {
  return count > 0 ? h("span", { class: "badge", "aria-label": `${what}: ${count}` }, String(count)) : null;
}

export function newBadge(counters, section) {
  return countBadge(counters?.[section] || 0, "новых событий");
}

export function loadCounters(api) {
  return api.get("/me/sections", { quiet: true });
}

// The section the user is on has nothing new any more. Returns whether anything changed. Best effort: a
// failed request leaves the server's count, which the next refresh shows again.
export function seeSection(api, counters, path) {
  const section = sectionOf(path);
  if (!counters || !(counters[section] > 0)) return false;
  counters[section] = 0;
  api.post("/me/sections/seen", { section }, { quiet: true }).catch(() => {});
  return true;
}

// `?focus=<element id>` on a list page: bring that element into view and mark it (a contract card, «Мои
// запросы»). Ids come from the page itself; an unknown one is ignored.
export function focusTarget(main, params) {
  const id = params.get("focus");
  const target = id ? main.querySelector(`[id="${CSS.escape(id)}"]`) : null;
  if (!target) return;
  const block = target.closest(".card") || target;
  block.classList.add("is-target");
  target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
  block.scrollIntoView({ block: "start" });
}
