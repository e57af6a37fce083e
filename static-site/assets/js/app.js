// Consumer site: layout, hash routing and the signed-in session.

import { createClient } from "./api.js";
import { loadCompany, companyFooter } from "./company.js";
import { countBadge, focusTarget, loadCounters, newBadge, sectionOf, seeSection } from "./sections.js";
import { displayName, h, scrollCue } from "./ui.js";
import { accessRequestView } from "./views/access-request.js";
import { accountsView, declareView } from "./views/accounts.js";
import { aiisMeterView, aiisView } from "./views/aiis.js";
import * as auth from "./views/auth.js";
import { appealCardView, casesView, newAppealView, newServiceRequestView, serviceRequestCardView } from "./views/cases.js";
import { calculatorView, checkView, connectionCardView, connectionListView } from "./views/connection.js";
import { wizardView } from "./views/connection-wizard.js";
import { dashboardView } from "./views/dashboard.js";
import { infoLinks, infoRoutes } from "./views/info.js";
import { historyView, meterView } from "./views/meter.js";
import { invitationView } from "./views/invitation.js";
import { notificationsView } from "./views/notifications.js";
import { outagesView } from "./views/outages.js";
import { privacyView } from "./views/privacy.js";
import { profileView } from "./views/profile.js";
import { entryView, forgetTypedReadings, summaryView } from "./views/readings.js";

const SITE_TITLE = "Личный кабинет";

const routes = {
  "/": { view: dashboardView, title: "Главная", private: true },
  "/accounts": { view: accountsView, title: "Лицевые счета и приборы учёта", private: true },
  "/accounts/declare": { view: declareView, title: "Заявить счётчик", private: true },
  "/accounts/request": { view: accessRequestView, title: "Запрос доступа к договору", private: true },
  "/meter": { view: meterView, title: "Прибор учёта", private: true },
  "/meter/reading": { view: entryView, title: "Передача показаний", private: true },
  "/meter/history": { view: historyView, title: "История показаний", private: true },
  "/aiis": { view: aiisView, title: "АИИС КУЭ", private: true },
  "/aiis/meter": { view: aiisMeterView, title: "АИИС КУЭ: счётчик", private: true },
  "/readings": { view: summaryView, title: "Показания за период", private: true },
  "/outages": { view: outagesView, title: "Отключения" },
  "/appeals": { view: casesView, title: "Обращения", private: true },
  "/appeals/new": { view: newAppealView, title: "Новое обращение", private: true },
  "/appeals/service": { view: newServiceRequestView, title: "Заявка на дополнительную услугу", private: true },
  "/appeals/appeal": { view: appealCardView, title: "Обращение", private: true },
  "/appeals/service-request": { view: serviceRequestCardView, title: "Заявка на дополнительную услугу", private: true },
  "/connection": { view: connectionListView, title: "Технологическое присоединение", private: true },
  "/connection/new": { view: wizardView, title: "Новая заявка на присоединение", private: true },
  "/connection/edit": { view: wizardView, title: "Заявка на присоединение", private: true },
  "/connection/application": { view: connectionCardView, title: "Заявка на присоединение", private: true },
  "/connection/check": { view: checkView, title: "Проверить заявку на присоединение" },
  "/connection/calculator": { view: calculatorView, title: "Калькулятор стоимости присоединения" },
  "/notifications": { view: notificationsView, title: "Уведомления", private: true },
  "/profile": { view: profileView, title: "Профиль", private: true },
  "/profile/privacy": { view: privacyView, title: "Мои данные и согласие", private: true },
  "/login": { view: auth.loginView, title: "Вход", guest: true },
  "/register": { view: auth.registerView, title: "Регистрация", guest: true },
  "/confirm": { view: auth.confirmView, title: "Подтверждение адреса электронной почты" },
  // Public: a guest is asked to sign in with the invited address first (views/invitation.js).
  "/invitation": { view: invitationView, title: "Приглашение к договору" },
  "/forgot": { view: auth.forgotView, title: "Восстановление пароля", guest: true },
  "/reset": { view: auth.resetView, title: "Новый пароль", guest: true },
  // Public: the user agreement, help by section, contacts.
  ...infoRoutes,
  "/recover-login": { view: auth.recoverLoginView, title: "Восстановление логина", guest: true },
};

const api = createClient({ prefix: "kabinet" });
const DRAFT_PREFIX = "kabinet.draft.";

const state = {
  user: null,
  company: null,
  unread: null,
  // New events per menu section since it was last opened (sections.js).
  sections: null,
  flash: null,
  renderSeq: 0,
  rendered: false,
};

const els = {};

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { path: path || "/", params: new URLSearchParams(query) };
}

// The current page with its query ("/meter/reading?id=…"): where to come back to after signing in.
function currentPage() {
  return location.hash.replace(/^#/, "") || "/";
}

function navigate(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = path;
}

function setFlash(message, kind = "success") {
  state.flash = { message, kind };
}

// --- layout ---------------------------------------------------------------------------------

function buildLayout() {
  const skip = h(
    "a",
    {
      class: "skip-link",
      href: "#",
      onclick: (event) => {
        event.preventDefault();
        els.main.focus();
      },
    },
    "Перейти к содержимому",
  );
  els.brandCompany = h("span", { class: "brand__company" });
  els.nav = h("nav", { class: "mainnav", "aria-label": "Разделы кабинета", hidden: true });
  els.navCue = scrollCue(els.nav);
  els.user = h("div", { class: "usermenu", hidden: true });
  const header = h(
    "header",
    { class: "topbar" },
    h(
      "div",
      { class: "topbar__inner" },
      h(
        "a",
        { class: "brand", href: "#/" },
        h("img", { class: "brand__logo", src: "assets/logo.svg", alt: "", width: "32", height: "32" }),
        h("span", { class: "brand__text" }, h("span", { class: "brand__title" }, SITE_TITLE), els.brandCompany),
      ),
      els.user,
      els.nav,
    ),
  );
  els.main = h("main", { id: "main", class: "main", tabindex: "-1" });
  els.footer = h("footer", { class: "footer" });
  document.body.replaceChildren(skip, header, els.main, els.footer);
}

function renderChrome(path) {
  const signedIn = Boolean(state.user);
  // A guest on a public page (outages) gets a way in from the header.
  const publicPage = Boolean(routes[path]) && !routes[path].private && !routes[path].guest;
  els.nav.hidden = !signedIn;
  els.user.hidden = !signedIn && !publicPage;
  els.brandCompany.textContent = state.company?.name || "";
  if (!signedIn && publicPage) {
    els.user.replaceChildren(
      h("a", { class: "btn btn--ghost btn--small", href: `#/login?next=${encodeURIComponent(currentPage())}` }, "Войти"),
    );
  }
  if (signedIn) {
    const badge = countBadge(state.unread, "непрочитанных");
    // A page belongs to the section of its path's first segment: a meter card is under «Счета и приборы».
    const section = `/${sectionOf(path)}`;
    const link = (href, text, extra = newBadge(state.sections, href.slice(1))) =>
      h("a", { href: `#${href}`, "aria-current": section === href ? "page" : false }, text, extra);
    els.nav.replaceChildren(
      link("/", "Главная"),
      link("/accounts", "Счета и приборы"),
      link("/readings", "Показания"),
      link("/aiis", "АИИС КУЭ"),
      link("/appeals", "Обращения"),
      link("/connection", "Присоединение"),
      link("/outages", "Отключения"),
      link("/notifications", "Уведомления", badge),
      link("/profile", "Профиль"),
    );
    els.user.replaceChildren(
      h("span", { class: "usermenu__name" }, displayName(state.user)),
      h("button", { type: "button", class: "btn btn--ghost btn--small", onclick: logout }, "Выйти"),
    );
  }
  const footer = companyFooter(state.company);
  footer.append(infoLinks(path));
  els.footer.replaceChildren(footer);
  // On phones the sections scroll sideways: keep the current one in sight.
  const current = els.nav.querySelector("[aria-current]");
  if (current) {
    const offset = current.getBoundingClientRect().left - els.nav.getBoundingClientRect().left + els.nav.scrollLeft;
    els.nav.scrollLeft = offset - (els.nav.clientWidth - current.offsetWidth) / 2;
  }
  els.navCue();
}

// --- session --------------------------------------------------------------------------------

async function loadUser() {
  state.user = await api.get("/me");
  return state.user;
}

// The menu's badges are a convenience: when the counters cannot be fetched, the badges just stay as they are.
async function refreshUnread() {
  if (!api.hasSession()) return;
  try {
    const counters = await loadCounters(api);
    state.sections = counters.sections;
    // Something new arrived in the section on screen: the user is looking at it.
    seeSection(api, state.sections, parseHash().path);
    setUnread(counters.unread);
  } catch {
    // The pages themselves report errors.
  }
}

function setUnread(count) {
  state.unread = count;
  renderChrome(parseHash().path);
}

async function logout() {
  await api.logout();
  forgetTypedReadings();
  state.user = null;
  state.unread = null;
  state.sections = null;
  setFlash("Вы вышли из личного кабинета.", "info");
  navigate("/login");
}

// Before sending the user to the sign-in page, keep what they typed in forms marked data-draft
// (passwords excluded) so it reappears after they sign in again.
function saveDrafts(path) {
  for (const form of els.main.querySelectorAll("form[data-draft]")) {
    const entries = [...form.elements]
      .filter((el) => el.name && el.type !== "password" && el.type !== "submit")
      .map((el) => [el.name, el.type === "checkbox" || el.type === "radio" ? el.checked : el.value]);
    sessionStorage.setItem(`${DRAFT_PREFIX}${path}.${form.dataset.draft}`, JSON.stringify(entries));
  }
}

function restoreDrafts(path) {
  for (const form of els.main.querySelectorAll("form[data-draft]")) {
    const key = `${DRAFT_PREFIX}${path}.${form.dataset.draft}`;
    const saved = sessionStorage.getItem(key);
    if (!saved) continue;
    sessionStorage.removeItem(key);
    for (const [name, value] of JSON.parse(saved)) {
      const el = form.elements.namedItem(name);
      if (!el || el instanceof RadioNodeList) continue;
      if (el.type === "checkbox" || el.type === "radio") el.checked = value;
      else el.value = value;
      // Pages that compute from what is typed (reading entry) update as if the user had typed it.
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }
}

api.onExpired(() => {
  if (!state.user) return;
  const { path } = parseHash();
  saveDrafts(path);
  state.user = null;
  state.unread = null;
  state.sections = null;
  setFlash("Сеанс завершён. Войдите снова — введённые данные сохранены.", "info");
  navigate(`/login?next=${encodeURIComponent(currentPage())}`);
});

// --- routing --------------------------------------------------------------------------------

function notFoundView() {
  return h(
    "section",
    { class: "page page--narrow" },
    h("h1", { tabindex: "-1" }, "Страница не найдена"),
    h("p", {}, "Проверьте адрес или вернитесь на главную страницу."),
    h("p", {}, h("a", { class: "btn", href: "#/" }, "На главную")),
  );
}

function flashBox() {
  if (!state.flash) return null;
  const { message, kind } = state.flash;
  state.flash = null;
  return h("div", { class: `notice notice--${kind}`, role: "status" }, message);
}

async function render() {
  const seq = ++state.renderSeq;
  const { path, params } = parseHash();
  const route = routes[path];

  if (route?.private && !api.hasSession()) {
    navigate(`/login?next=${encodeURIComponent(currentPage())}`);
    return;
  }
  // Public pages (outages) show the signed-in header when there is a session; without one, or when it
  // has run out, they simply stay public.
  if (route && !route.private && !route.guest && !state.user && api.hasSession()) {
    try {
      state.user = await api.get("/me", { quiet: true });
      refreshUnread();
    } catch {
      state.user = null;
    }
    if (seq !== state.renderSeq) return;
  }
  if (route?.private && !state.user) {
    try {
      await loadUser();
    } catch (error) {
      if (seq !== state.renderSeq) return;
      if (!api.hasSession()) {
        // The stored session has run out (or was ended elsewhere).
        setFlash("Сеанс завершён. Войдите снова.", "info");
        navigate(`/login?next=${encodeURIComponent(currentPage())}`);
        return;
      }
      renderChrome(path);
      els.main.replaceChildren(errorPage(error));
      return;
    }
    refreshUnread();
  }
  if (route?.guest && api.hasSession()) {
    navigate("/");
    return;
  }

  const ctx = {
    api,
    params,
    user: state.user,
    company: state.company,
    navigate,
    flash: setFlash,
    setUnread,
    reloadUser: loadUser,
    setUser: (user) => {
      state.user = user;
      renderChrome(path);
    },
    signedIn: async (user) => {
      state.user = user;
      await refreshUnread();
    },
  };
  let view;
  try {
    view = route ? await route.view(ctx) : notFoundView();
  } catch (error) {
    view = errorPage(error);
  }
  if (seq !== state.renderSeq) return;

  document.title = `${route?.title || "Страница не найдена"} — ${SITE_TITLE}`;
  if (state.user) seeSection(api, state.sections, path);
  renderChrome(path);
  const flash = flashBox();
  if (flash) view.prepend(flash);
  els.main.replaceChildren(view);
  restoreDrafts(path);
  // Move focus to the new page's heading so keyboard and screen-reader users start there;
  // the first page of a visit keeps the browser's default focus.
  const heading = els.main.querySelector("h1");
  if (heading && state.rendered) heading.focus({ preventScroll: true });
  state.rendered = true;
  window.scrollTo(0, 0);
  focusTarget(els.main, params);
}

function errorPage(error) {
  return h(
    "section",
    { class: "page page--narrow" },
    h("h1", { tabindex: "-1" }, "Не удалось открыть страницу"),
    h("div", { class: "notice notice--error", role: "alert" }, error.message),
    h(
      "p",
      {},
      h("button", { type: "button", class: "btn", onclick: () => render() }, "Повторить"),
    ),
  );
}

async function start() {
  buildLayout();
  state.company = await loadCompany();
  // A copy of the company settings that arrives later (slow API, or a newer one) serves the next render.
  window.addEventListener("kabinet:company", (event) => (state.company = event.detail));
  window.addEventListener("hashchange", render);
  // Each move to another page brings the menu's counters up to date (one cheap read).
  window.addEventListener("hashchange", () => state.user && refreshUnread());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.user) refreshUnread();
  });
  await render();
}

start();
