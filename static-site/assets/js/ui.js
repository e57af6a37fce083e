// DOM and form helpers shared by every page.

let uid = 0;
const nextId = (base) => `${base.replace(/[^a-z0-9]+/gi, "-")}-${++uid}`;

// h("p", {class: "hint"}, "text", child) — builds an element. Attributes starting with "on" become
// listeners; `false`, `null` and `undefined` attributes and children are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : value);
    }
  }
  append(el, children);
  return el;
}

// Replaces an element's content, with h()'s rules: nested arrays flattened, null/false skipped.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A labelled form control with a hint and a slot for its error message.
// options: name, label, type (input type or "textarea"), required, hint, autocomplete, inputmode, value,
// maxlength, rows (for textarea), size ("narrow" | "wide" | "large":
// a third, all or two thirds of a form row on wider screens; half by default).
export function field(options) {
  const id = nextId(options.name);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  // An empty hint ("") still gets its element, for hints that change later (e.g. with the applicant kind).
  const hasHint = options.hint !== undefined;
  const describedBy = [hasHint ? hintId : null, errorId].filter(Boolean).join(" ");
  const common = {
    id,
    name: options.name,
    required: Boolean(options.required),
    autocomplete: options.autocomplete || "off",
    "aria-describedby": describedBy,
  };
  let control;
  if (options.type === "textarea") {
    control = h("textarea", { ...common, rows: String(options.rows || 3), maxlength: options.maxlength });
    control.value = options.value ?? "";
  } else {
    // E-mail as a text field with the e-mail keyboard: <input type="email"> turns «почта.рф» into
    // punycode (Chrome) or refuses it (Firefox); the address is kept as typed and the server judges it.
    const email = options.type === "email";
    const inputmode = email ? "email" : options.inputmode;
    control = h("input", {
      ...common,
      type: email ? "text" : options.type || "text",
      inputmode,
      autocapitalize: email ? "off" : undefined,
      maxlength: options.maxlength,
      spellcheck: options.type === "password" || inputmode ? "false" : undefined,
    });
    control.value = options.value ?? "";
  }
  const label = h(
    "label",
    { for: id },
    options.label,
    options.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null,
  );
  return h(
    "div",
    { class: options.size ? `field field--${options.size}` : "field", dataset: { field: options.name } },
    label,
    control,
    hasHint ? h("p", { class: "hint", id: hintId }, options.hint) : null,
    // Not a live region: the form's alert announces the errors, and each control is described by its
    // own message, which is read when the control gets focus.
    h("p", { class: "field-error", id: errorId }),
  );
}

export function checkbox({ name, label, required = false }) {
  const id = nextId(name);
  const input = h("input", { type: "checkbox", id, name, required, "aria-describedby": `${id}-error` });
  return h(
    "div",
    { class: "check", dataset: { field: name } },
    input,
    h("label", { for: id }, label),
    h("p", { class: "field-error", id: `${id}-error` }),
  );
}

// Collects named controls of the form into a nested object: "address.street" → {address: {street}}.
// Controls inside hidden groups ([hidden] ancestors) are skipped; text values are trimmed.
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.closest("[hidden]")) continue;
    let value;
    if (el.type === "checkbox") value = el.checked;
    else if (el.type === "radio") {
      if (!el.checked) continue;
      value = el.value;
    } else if (el.type === "password") value = el.value;
    else value = el.value.trim();
    const path = el.name.split(".");
    let target = out;
    for (const part of path.slice(0, -1)) target = target[part] ??= {};
    target[path.at(-1)] = value;
  }
  return out;
}

export function setValues(form, data) {
  for (const el of form.elements) {
    if (!el.name || el.type === "password") continue;
    const value = el.name.split(".").reduce((obj, key) => (obj == null ? obj : obj[key]), data);
    if (el.type === "checkbox") el.checked = Boolean(value);
    else if (el.type === "radio") el.checked = el.value === value;
    else el.value = value ?? "";
  }
}

function controlFor(form, path) {
  const el = form.elements.namedItem(path);
  if (!el) return null;
  if (el instanceof RadioNodeList) return el[0] || null;
  return el.closest("[hidden]") ? null : el;
}

function fieldError(control) {
  const wrapper = control.closest("[data-field]");
  return wrapper ? wrapper.querySelector(".field-error") : null;
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll(".field--invalid")) el.classList.remove("field--invalid");
  const summary = form.querySelector(".form-alert");
  if (summary) {
    summary.replaceChildren();
    summary.hidden = true;
  }
}

// Shows a message at the top of the form and next to each field named in `fields` ({path, message}).
// Field errors whose path has no visible control are listed in the top message instead.
export function showErrors(form, message, fields = []) {
  clearErrors(form);
  const stray = [];
  let first = null;
  for (const { path, message: text } of fields) {
    const control = path ? controlFor(form, path) : null;
    const slot = control && fieldError(control);
    if (!slot) {
      stray.push(text);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    control.setAttribute("aria-invalid", "true");
    control.closest("[data-field]")?.classList.add("field--invalid");
    first ??= control;
  }
  const summary = form.querySelector(".form-alert");
  if (summary && (message || stray.length)) {
    summary.replaceChildren();
    if (message) summary.append(h("p", {}, message));
    if (stray.length) summary.append(h("ul", {}, stray.map((text) => h("li", {}, text))));
    summary.hidden = false;
  }
  if (first) first.focus();
  else if (summary && !summary.hidden) summary.focus();
}

// The alert slot every form carries; role=alert makes screen readers announce it.
export function formAlert() {
  return h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true });
}

// Client-side checks in Russian (native validation bubbles follow the browser's language).
// Returns the list of {path, message}; the server stays the judge of formats.
export function checkRequired(form) {
  const problems = [];
  for (const el of form.elements) {
    if (!el.name || !el.required || el.disabled || el.closest("[hidden]")) continue;
    const empty = el.type === "checkbox" ? !el.checked : !el.value.trim();
    if (empty) {
      problems.push({
        path: el.name,
        message: el.type === "checkbox" ? "Необходимо Ваше согласие." : "Заполните это поле.",
      });
    }
  }
  return problems;
}

export function setBusy(button, busy, busyText) {
  if (busy) {
    button.dataset.text ??= button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (busyText) button.textContent = busyText;
  } else {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (button.dataset.text) button.textContent = button.dataset.text;
    delete button.dataset.text;
  }
}

// A polite status line (progress messages such as the bot check).
export function statusLine() {
  return h("p", { class: "status", role: "status", "aria-live": "polite" });
}

export function pluralRu(n, one, few, many) {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}

// "через 14 мин 59 с" style wait text for rate limits.
function waitText(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m && s) return `${m} мин ${s} с`;
  if (m) return `${m} мин`;
  return `${s} с`;
}

// Disables `button` and counts `seconds` down in `slot`, then re-enables it.
export function holdFor(button, slot, seconds, prefix) {
  let left = seconds;
  button.disabled = true;
  // The top-of-form alert has announced the wait; a ticking live region would repeat it every second.
  const live = slot.getAttribute("aria-live");
  slot.setAttribute("aria-live", "off");
  const tick = () => {
    if (!button.isConnected) return clearInterval(timer);
    if (left <= 0) {
      clearInterval(timer);
      button.disabled = false;
      slot.textContent = "";
      if (live) slot.setAttribute("aria-live", live);
      return;
    }
    slot.textContent = `${prefix} ${waitText(left)}.`;
    left -= 1;
  };
  const timer = setInterval(tick, 1000);
  tick();
}

// Moments the API sends in UTC ("…Z") are shown on the company's clock once useCompanyTimeZone has
// been given the company's "time_zone" (GET /settings/public, company.js); until then, on the browser's.
const DATE = { day: "2-digit", month: "2-digit", year: "numeric" };
const DATE_TIME = { ...DATE, hour: "2-digit", minute: "2-digit" };
let dateFormat = new Intl.DateTimeFormat("ru-RU", DATE);
let dateTimeFormat = new Intl.DateTimeFormat("ru-RU", DATE_TIME);

export function useCompanyTimeZone(timeZone) {
  try {
    dateFormat = new Intl.DateTimeFormat("ru-RU", { ...DATE, timeZone });
    dateTimeFormat = new Intl.DateTimeFormat("ru-RU", { ...DATE_TIME, timeZone });
  } catch {
    // A zone name this browser does not know: keep the browser's rather than break every page.
  }
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

export function formatDateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

// A calendar date the API sends as "YYYY-MM-DD" (no time, no zone): shown as written, never shifted
// by the browser's time zone.
export function formatDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
  return m ? `${m[3]}.${m[2]}.${m[1]}` : day || "";
}

// A moment the API sends in company local time with its offset ("2026-11-27T09:00:00+03:00"):
// shown as the company's wall clock, whatever the browser's time zone.
export function formatLocalDateTime(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  return m ? `${m[3]}.${m[2]}.${m[1]} ${m[4]}:${m[5]}` : iso || "";
}

// A span of company local time: "30.11.2026, 09:00–17:00" within a day, else both moments in full;
// an open end (an emergency still going on) is said in words.
export function formatLocalRange(startIso, endIso, openEnd = "окончание уточняется") {
  const start = formatLocalDateTime(startIso);
  if (!endIso) return `с ${start}, ${openEnd}`;
  const end = formatLocalDateTime(endIso);
  const [startDay, startTime] = start.split(" ");
  const [endDay, endTime] = end.split(" ");
  return startDay === endDay ? `${startDay}, ${startTime}–${endTime}` : `${start} — ${end}`;
}

const MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"];

// "2026-10" → "октябрь 2026" (capitalised: "Октябрь 2026").
export function periodLabel(key, capitalised = false) {
  const m = /^(\d{4})-(\d{2})$/.exec(key || "");
  if (!m) return key || "";
  const month = MONTHS[Number(m[2]) - 1];
  return `${capitalised ? month[0].toUpperCase() + month.slice(1) : month} ${m[1]}`;
}

// A decimal the API sends as a string ("99958", "220.0", "505.5") in Russian notation: digits grouped by
// non-breaking spaces, a decimal comma, trailing zeros of the fraction dropped ("74 525", "505,5").
export function formatNumber(value) {
  if (value === null || value === undefined || value === "") return "";
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(value));
  if (!m) return String(value);
  const whole = m[2].replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
  const fraction = (m[3] || "").replace(/0+$/, "");
  return `${m[1]}${whole}${fraction ? `,${fraction}` : ""}`;
}

// A strip that scrolls sideways (the sections menu): `data-more` names the sides where items are out of
// sight ("left", "right"), and the stylesheet shows an arrow there. Returns the update, for callers that
// change the strip's content or scroll it themselves.
export function scrollCue(strip) {
  const update = () => {
    // A strip replaced by a new page lets go of the window.
    if (!strip.isConnected && strip.dataset.more !== undefined) {
      window.removeEventListener("resize", update);
      return;
    }
    const left = strip.scrollLeft > 1;
    const right = strip.scrollLeft + strip.clientWidth < strip.scrollWidth - 1;
    strip.dataset.more = [left && "left", right && "right"].filter(Boolean).join(" ");
  };
  strip.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update);
  return update;
}

// A modal question with two answers. Our own modal rather than <dialog>.showModal() (Firefox before 98
// and Safari before 15.4 lack it): the rest of the page is hidden from assistive tools while it is
// open, Tab cycles inside it, Esc answers «no», and focus goes back to what opened it.
// Resolves true for the confirming button, false otherwise.
export function confirmDialog({ title, text, confirm, cancel, danger = false }) {
  return new Promise((resolve) => {
    const titleId = nextId("dialog-title");
    const textId = nextId("dialog-text");
    const yes = h("button", { type: "button", class: `btn ${danger ? "btn--danger" : "btn--primary"}` }, confirm);
    const no = h("button", { type: "button", class: "btn btn--ghost" }, cancel);
    const dialog = h(
      "div",
      { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId, "aria-describedby": textId },
      h("h2", { class: "dialog__title", id: titleId }, title),
      h("div", { class: "dialog__text", id: textId }, text),
      h("div", { class: "dialog__actions" }, yes, no),
    );
    const backdrop = h("div", { class: "dialog-backdrop" }, dialog);
    const opener = document.activeElement;
    const hidden = [...document.body.children].filter((el) => !el.hasAttribute("aria-hidden"));
    const onKey = (event) => {
      if (event.key === "Escape" || event.key === "Esc") {
        event.preventDefault();
        close(false);
      } else if (event.key === "Tab") {
        const focusable = [...dialog.querySelectorAll("button, [href], input, select, textarea")];
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (!dialog.contains(document.activeElement)) {
          event.preventDefault();
          first.focus();
        } else if (event.shiftKey && document.activeElement === first) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && document.activeElement === last) {
          event.preventDefault();
          first.focus();
        }
      }
    };
    const close = (answer) => {
      document.removeEventListener("keydown", onKey);
      backdrop.remove();
      for (const el of hidden) el.removeAttribute("aria-hidden");
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    };
    yes.addEventListener("click", () => close(true));
    no.addEventListener("click", () => close(false));
    // A click beside the dialog does not take the focus out of it.
    backdrop.addEventListener("mousedown", (event) => {
      if (event.target === backdrop) event.preventDefault();
    });
    document.addEventListener("keydown", onKey);
    for (const el of hidden) el.setAttribute("aria-hidden", "true");
    document.body.append(backdrop);
    yes.focus();
  });
}

// A text file chosen by the user, as text: UTF-8, or Windows-1251 (what Russian Excel saves as CSV).
export async function readTextFile(file) {
  const bytes = await file.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return new TextDecoder("windows-1251").decode(bytes);
  }
}

// +79001234567 → +7 900 123-45-67
export function formatPhone(phone) {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(phone || "");
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : phone || "";
}

// "Иванов И. И." for a person, the short name for an organisation.
export function displayName(user) {
  if (!user) return "";
  if (user.kind === "person") {
    const initials = [user.first_name, user.middle_name]
      .filter(Boolean)
      .map((part) => `${part[0]}.`)
      .join(" ");
    return [user.last_name, initials].filter(Boolean).join(" ");
  }
  return user.short_name || user.login;
}
