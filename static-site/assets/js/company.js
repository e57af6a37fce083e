// Company information (name, time zone, contacts and hours, branding, reading window) from the API's
// GET /settings/public — the settings an administrator keeps in the console («Настройки»).
//
// The page never waits long for it: the copy from the last visit (localStorage) is used at once and
// refreshed in the background; without one, the page waits at most WAIT_MS and then renders without
// it (generic title, no contacts block). When a fresh copy arrives later, it is applied to the header
// and the colours, and announced as a "kabinet:company" event so the next render uses it.

import { h, useCompanyTimeZone } from "./ui.js";

const STORAGE_KEY = "kabinet.company";
const WAIT_MS = 3000;

// The public settings in the shape the views use (support/emergency blocks, as the old company.json had).
function fromSettings(settings) {
  const c = settings.contacts || {};
  return {
    name: settings.name,
    time_zone: settings.time_zone,
    branding: settings.branding,
    reading_window: settings.reading_window,
    support: { title: c.support_title, phone: c.phone, email: c.email, hours: c.hours || [], address: c.address },
    emergency: c.emergency_phone || c.emergency_hours
      ? { title: c.emergency_title, phone: c.emergency_phone, hours: c.emergency_hours }
      : null,
  };
}

function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

// The header, logo and colours follow the company at once, whichever page is open.
function applyCompany(company) {
  if (!company) return;
  if (company.time_zone) useCompanyTimeZone(company.time_zone);
  for (const el of document.querySelectorAll(".brand__company")) el.textContent = company.name || "";
  const branding = company.branding || {};
  if (branding.logo_url) for (const img of document.querySelectorAll(".brand__logo")) img.src = branding.logo_url;
  const root = document.documentElement.style;
  if (branding.primary_color) root.setProperty("--c-primary", branding.primary_color);
  if (branding.accent_color) root.setProperty("--c-accent", branding.accent_color);
}

async function fetchCompany() {
  const response = await fetch("/api/v1/settings/public", { cache: "no-cache" });
  if (!response.ok) throw new Error(`settings: ${response.status}`);
  return fromSettings(await response.json());
}

export async function loadCompany() {
  const cached = stored();
  applyCompany(cached);
  const fresh = fetchCompany().then(
    (company) => {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(company));
      } catch {
        // Private mode or a full storage: the page still has this copy.
      }
      applyCompany(company);
      window.dispatchEvent(new CustomEvent("kabinet:company", { detail: company }));
      return company;
    },
    () => cached,
  );
  if (cached) return cached;
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), WAIT_MS));
  return Promise.race([fresh, timeout]);
}

const telHref = (phone) => `tel:${phone.replace(/[^\d+]/g, "")}`;

// The «Информация» block: support contacts and hours, the emergency line.
export function companyInfo(company, { headingLevel = "h2" } = {}) {
  if (!company?.support && !company?.emergency) return null;
  const { support, emergency } = company;
  return h(
    "section",
    { class: "card info", "aria-labelledby": "info-title" },
    h(headingLevel, { id: "info-title", class: "card__title" }, "Информация"),
    support
      ? h(
          "div",
          { class: "info__block" },
          h("h3", {}, support.title || "Служба поддержки"),
          h(
            "ul",
            { class: "info__list" },
            support.phone ? h("li", {}, "Телефон: ", h("a", { href: telHref(support.phone) }, support.phone)) : null,
            support.email ? h("li", {}, "E-mail: ", h("a", { href: `mailto:${support.email}` }, support.email)) : null,
            support.address ? h("li", {}, support.address) : null,
          ),
          support.hours?.length
            ? h(
                "div",
                { class: "info__hours" },
                h("p", { class: "info__label" }, "Часы работы"),
                h("ul", {}, support.hours.map((line) => h("li", {}, line))),
              )
            : null,
        )
      : null,
    emergency
      ? h(
          "div",
          { class: "info__block" },
          h("h3", {}, emergency.title || "Аварийная служба"),
          h(
            "p",
            {},
            emergency.phone ? h("a", { href: telHref(emergency.phone) }, emergency.phone) : null,
            emergency.hours ? ` — ${emergency.hours}` : null,
          ),
        )
      : null,
  );
}

export function companyFooter(company) {
  const year = new Date().getFullYear();
  return h(
    "div",
    { class: "footer__inner" },
    h("p", {}, `© ${year} ${company?.name || "Личный кабинет потребителя"}`),
    company?.support?.phone
      ? h("p", {}, "Поддержка: ", h("a", { href: telHref(company.support.phone) }, company.support.phone))
      : null,
    h(
      "p",
      { class: "footer__links" },
      h("a", { href: "staff.html" }, "Вход для сотрудников"),
      h("a", { href: "docs.html" }, "API для разработчиков"),
    ),
  );
}
