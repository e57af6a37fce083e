// Staff console shell: sign-in for operators, engineers and administrators, and the console frame.
// Consumer accounts are refused (GET /staff/me answers 403). Its session is kept apart from the
// consumer site's, so one browser can hold both.

import { createClient } from "./api.js";
import { loadCompany } from "./company.js";
import { accessSection } from "./staff/access.js";
import { agentsSection } from "./staff/agents.js";
import { aiisSection } from "./staff/aiis.js";
import { auditSection } from "./staff/audit.js";
import { appealsSection, serviceRequestsSection } from "./staff/cases.js";
import { connectionSection } from "./staff/connection.js";
import { exchangeSection } from "./staff/exchange.js";
import { outagesSection } from "./staff/outages.js";
import { ROLE_NAMES, passwordView, usersSection } from "./staff/users.js";
import { pagesSection } from "./staff/pages.js";
import { referenceSection } from "./staff/reference.js";
import { settingsSection } from "./staff/settings.js";
import { secondFactorView, securitySection } from "./staff/totp.js";
import {
  checkRequired,
  clearErrors,
  field,
  formAlert,
  formValues,
  h,
  holdFor,
  scrollCue,
  setBusy,
  showErrors,
  statusLine,
} from "./ui.js";

const api = createClient({ prefix: "kabinet.staff", loginPath: "/staff/auth/login" });
const TITLE = "Консоль сотрудника";


// Console sections. Those with `open` are built; the others arrive in later releases and say so.
// `roles`: who may use the section — a role sees only its own sections in the menu (the API checks too).
const OPERATORS = ["operator", "admin"];
const ENGINEERS = ["engineer", "admin"];
const METERING = ["metering", "admin"];
const BILLING = ["billing", "admin"];
const SECTIONS = [
  { id: "appeals", title: "Обращения", open: appealsSection, roles: OPERATORS },
  { id: "service-requests", title: "Заявки на услуги", open: serviceRequestsSection, roles: OPERATORS },
  { id: "access", title: "Доступ к договорам", open: accessSection, roles: OPERATORS },
  { id: "connections", title: "Технологическое присоединение", open: connectionSection, roles: ENGINEERS },
  { id: "outages", title: "Отключения", open: outagesSection, roles: OPERATORS },
  { id: "exchange", title: "Обмен с биллингом", open: exchangeSection, roles: BILLING },
  { id: "agents", title: "Агенты УСПД", open: agentsSection, roles: METERING },
  { id: "aiis", title: "АИИС КУЭ", open: aiisSection, roles: [...METERING, "billing"] },
  { id: "reference", title: "Справочники", open: referenceSection, roles: OPERATORS },
  { id: "pages", title: "Информация", open: pagesSection, roles: OPERATORS },
  { id: "users", title: "Сотрудники", open: usersSection, roles: ["admin"] },
  { id: "settings", title: "Настройки", open: settingsSection, roles: ["admin"] },
  { id: "audit", title: "Журнал действий", open: auditSection, roles: ["admin"] },
  { id: "security", title: "Двухфакторная защита", open: securitySection },
];
const allowed = (section) => !section.roles || (staff.roles || [staff.role]).some((role) => section.roles.includes(role));

const els = {};
let staff = null;
let company = null;

function layout() {
  els.company = h("span", { class: "brand__company" });
  els.user = h("div", { class: "usermenu", hidden: true });
  els.main = h("main", { id: "main", class: "main", tabindex: "-1" });
  document.body.replaceChildren(
    h(
      "header",
      { class: "topbar topbar--staff" },
      h(
        "div",
        { class: "topbar__inner" },
        h(
          "a",
          { class: "brand", href: "#/" },
          h("img", { class: "brand__logo", src: "assets/logo.svg", alt: "", width: "32", height: "32" }),
          h("span", { class: "brand__text" }, h("span", { class: "brand__title" }, TITLE), els.company),
        ),
        els.user,
      ),
    ),
    els.main,
  );
}

function renderUser() {
  els.company.textContent = company?.name || "";
  els.user.hidden = !staff;
  if (!staff) return;
  const name = [staff.last_name, staff.first_name].filter(Boolean).join(" ") || staff.login;
  els.user.replaceChildren(
    h("span", { class: "usermenu__name" }, `${name} · ${ROLE_NAMES[staff.role] || staff.role}`),
    h(
      "button",
      {
        type: "button",
        class: "btn btn--ghost btn--small",
        onclick: async () => {
          await api.logout();
          staff = null;
          show(signInView("Вы вышли из консоли."));
        },
      },
      "Выйти",
    ),
  );
}

function show(view) {
  renderUser();
  els.main.replaceChildren(view);
  // On phones the section list scrolls sideways: keep the open section in sight.
  els.main.querySelector(".console__nav [aria-current]")?.scrollIntoView({ block: "nearest", inline: "center" });
  const sections = els.main.querySelector(".console__nav ul");
  if (sections) scrollCue(sections)();
  const heading = els.main.querySelector("h1");
  if (heading && document.activeElement !== document.body) heading.focus({ preventScroll: true });
}

async function enterConsole() {
  staff = await api.get("/staff/me");
  document.title = TITLE;
  route();
}

function signInView(notice) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Войти");
  const wait = statusLine();
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    field({ name: "identifier", label: "Логин, e-mail или телефон", required: true, autocomplete: "username" }),
    field({ name: "password", label: "Пароль", type: "password", required: true, autocomplete: "current-password" }),
    wait,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Введите логин и пароль.", problems);
    const { identifier, password } = formValues(form);
    clearErrors(form);
    setBusy(button, true, "Вход…");
    try {
      // The password opens the second step (a code from the app); only that one issues the session.
      const step = await api.login(identifier, password, false);
      show(secondFactorView(api, step, { onSignedIn: enterConsole, onRestart: (message) => show(signInView(message)) }));
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
      if (error.status === 429 && error.retryAfter) holdFor(button, wait, error.retryAfter, "Повторить вход можно через");
    }
  });
  document.title = `Вход — ${TITLE}`;
  return h(
    "section",
    { class: "page page--narrow" },
    notice ? h("div", { class: "notice notice--info", role: "status" }, notice) : null,
    h(
      "div",
      { class: "card" },
      h("h1", { tabindex: "-1" }, "Вход для сотрудников"),
      h(
        "p",
        { class: "lead" },
        "Используйте учётную запись, выданную администратором. После пароля введите код из приложения-аутентификатора на телефоне.",
      ),
      form,
    ),
  );
}

let flash = null;

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [id, sub = ""] = path.split("/");
  return { id, sub, params: new URLSearchParams(query) };
}

function navigate(path) {
  if (location.hash === `#${path}`) route();
  else location.hash = path;
}

async function sectionBody(section, sub, params) {
  if (!allowed(section)) {
    return { title: section.title, body: h("div", { class: "notice" }, "Этот раздел недоступен для Вашей роли.") };
  }
  if (!section.open) {
    return { title: section.title, body: h("div", {}, h("p", { class: "lead" }, section.text), h("div", { class: "empty" }, "Раздел в разработке")) };
  }
  const ctx = { api, staff, params, navigate, flash: (message) => (flash = message) };
  try {
    return await section.open(ctx, sub);
  } catch (error) {
    return { title: section.title, body: h("div", { class: "notice notice--error", role: "alert" }, error.message) };
  }
}

async function consoleView() {
  const { id, sub, params } = parseHash();
  const visible = SECTIONS.filter(allowed);
  const section = SECTIONS.find((s) => s.id === id) || visible[0];
  const { title, body } = await sectionBody(section, sub, params);
  document.title = `${title} — ${TITLE}`;
  const notice = flash ? h("div", { class: "notice notice--success", role: "status" }, flash) : null;
  flash = null;
  return h(
    "div",
    { class: "console" },
    h(
      "nav",
      { class: "console__nav", "aria-label": "Разделы консоли" },
      h(
        "ul",
        {},
        visible.map((s) =>
          h("li", {}, h("a", { href: `#/${s.id}`, "aria-current": s === section ? "page" : false }, s.title)),
        ),
      ),
    ),
    h("section", { class: "card console__main" }, h("h1", { tabindex: "-1" }, title), notice, body),
  );
}

let routeSeq = 0;

async function route() {
  const { id, params } = parseHash();
  if (id === "password") {
    // The e-mailed one-time link: set the password, then sign in (replaceState: no hashchange, the notice stays).
    show(
      passwordView(api, params.get("token") || "", (message) => {
        history.replaceState(null, "", location.pathname);
        show(signInView(message));
      }),
    );
    return;
  }
  if (!staff) {
    show(signInView());
    return;
  }
  const seq = ++routeSeq;
  const view = await consoleView();
  if (seq === routeSeq) show(view);
}

async function start() {
  layout();
  company = await loadCompany();
  window.addEventListener("kabinet:company", (event) => (company = event.detail));
  window.addEventListener("hashchange", route);
  if (api.hasSession()) {
    try {
      staff = await api.get("/staff/me");
    } catch (error) {
      if (error.status === 403) await api.logout();
      else if (error.status !== 401) {
        renderUser();
        els.main.replaceChildren(
          h(
            "section",
            { class: "page page--narrow" },
            h("div", { class: "notice notice--error", role: "alert" }, error.message),
            h("button", { type: "button", class: "btn", onclick: () => location.reload() }, "Повторить"),
          ),
        );
        return;
      }
    }
  }
  api.onExpired(() => {
    staff = null;
    show(signInView("Сеанс завершён. Войдите снова."));
  });
  route();
}

start();
