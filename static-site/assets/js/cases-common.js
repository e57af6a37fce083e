// Pieces shared by the case pages of the consumer site and the staff console: appeals, extra-service
// requests and grid-connection applications.

import { field, formatDateTime, formatDay, h } from "./ui.js";

// A labelled <select> with field()'s hint and error slots. options: [[value, text], …];
// placeholder: a first empty option (e.g. «Выберите вид обращения»).
export function selectField({ name, label, options, value = "", placeholder, required = false, hint, size }) {
  const wrapper = field({ name, label, required, hint, size });
  const input = wrapper.querySelector("input");
  const select = h(
    "select",
    { id: input.id, name, required, "aria-describedby": input.getAttribute("aria-describedby") },
    placeholder !== undefined ? h("option", { value: "" }, placeholder) : null,
    options.map(([code, text]) => h("option", { value: code }, text)),
  );
  select.value = value ?? "";
  input.replaceWith(select);
  return wrapper;
}

// A textarea limited to `max` characters with «Осталось N из max» under it. The counter is not a live
// region (it would speak on every key); the control is described by it, so it is read on focus.
export function textField({ name, label, max, required = false, rows = 6, value = "", hint }) {
  const wrapper = field({ name, label, type: "textarea", required, rows, maxlength: String(max), value, hint });
  const area = wrapper.querySelector("textarea");
  const counter = h("p", { class: "counter-hint", id: `${area.id}-count` });
  area.setAttribute("aria-describedby", `${area.getAttribute("aria-describedby")} ${counter.id}`);
  const update = () => {
    const left = max - area.value.length;
    counter.textContent = `Осталось ${left} из ${max} символов`;
    counter.classList.toggle("counter-hint--low", left <= Math.min(50, max / 10));
  };
  area.addEventListener("input", update);
  update();
  area.after(counter);
  return wrapper;
}

export function facts(rows) {
  return h(
    "dl",
    { class: "facts facts--wide" },
    rows
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

// Status history, oldest first: [{at, title, comment, byCompany}].
export function timeline(entries, { emptyText = "Истории пока нет." } = {}) {
  if (!entries.length) return h("p", { class: "hint" }, emptyText);
  return h(
    "ol",
    { class: "timeline" },
    entries.map((entry) =>
      h(
        "li",
        { class: "timeline__item" },
        h("p", { class: "timeline__title" }, entry.title),
        h(
          "p",
          { class: "timeline__meta" },
          h("time", { datetime: entry.at }, formatDateTime(entry.at)),
          entry.who ? ` · ${entry.who}` : "",
        ),
        entry.comment ? h("p", { class: "timeline__comment" }, entry.comment) : null,
      ),
    ),
  );
}

// «до 23.12.2026» with a red «Срок истёк» pill when overdue.
export function dueText(dueOn, overdue) {
  return [
    `до\u00a0${formatDay(dueOn)}`,
    overdue ? h("span", { class: "pill pill--danger pill--inline" }, "Срок истёк") : null,
  ];
}

// A notice slot for the result of an action on a page: report(text, "success" | "error").
export function reporter() {
  const element = h("div", { class: "notice", role: "status", hidden: true });
  return {
    element,
    report(text, kind = "success") {
      element.className = `notice notice--${kind}`;
      element.setAttribute("role", kind === "error" ? "alert" : "status");
      element.textContent = text;
      element.hidden = false;
    },
    clear() {
      element.hidden = true;
    },
  };
}

// Appeals and extra-service requests: pill colours by status (titles come from the API).
const CASE_PILLS = {
  submitted: "pill--info",
  in_progress: "pill--info",
  answered: "pill--ok",
  closed: "pill--muted",
  rejected: "pill--danger",
};

export function casePill(status, title) {
  return h("span", { class: `pill ${CASE_PILLS[status] || "pill--muted"}` }, title);
}

export const CASE_KINDS = {
  appeal: { noun: "Обращение", route: "appeal", api: "appeals" },
  service_request: { noun: "Заявка на услугу", route: "service-request", api: "service-requests" },
};

// Grid-connection applications: waiting for the applicant stands out; the end states are muted or red.
const CONNECTION_PILLS = {
  draft: "pill--muted",
  awaiting_documents: "pill--warn",
  connected: "pill--ok",
  closed: "pill--muted",
  annulled: "pill--danger",
  withdrawn: "pill--muted",
};

export function connectionPill(status, title) {
  return h("span", { class: `pill ${CONNECTION_PILLS[status] || "pill--info"}` }, title);
}

// «15 кВт», «7,5 кВт» (the API sends powers as JSON numbers).
export function kw(value) {
  return value === null || value === undefined ? "—" : `${String(value).replace(".", ",")}\u00a0кВт`;
}
