// Company information (name, time zone, support hours and contacts) from assets/company.json — each
// company deploying the portal edits that file; its "time_zone" must be the API's
// KABINET_COMPANY_TIMEZONE.

import { h, useCompanyTimeZone } from "./ui.js";

export async function loadCompany() {
  try {
    const response = await fetch(new URL("../company.json", import.meta.url), { cache: "no-cache" });
    const company = response.ok ? await response.json() : null;
    if (company?.time_zone) useCompanyTimeZone(company.time_zone);
    return company;
  } catch {
    return null;
  }
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
