// «Информация» (seed 004 §4.6): the user agreement (any edition by number), help for each section of the
// site and the contacts. Public pages; their text is Markdown kept by staff in the console, served as
// HTML the API has already sanitised (chalicelib/pages/render.py).

import { formatDateTime, h } from "../ui.js";

// Site section (first path segment) → its help page; a meter card belongs to «Счета и приборы».
export const HELP_SECTIONS = {
  accounts: "Счета и приборы",
  readings: "Показания",
  aiis: "АИИС КУЭ",
  appeals: "Обращения",
  connection: "Присоединение",
  outages: "Отключения",
};
const SECTION_OF_PATH = { meter: "accounts" };

function pageBody(page) {
  const body = h("div", { class: "info-page__text" });
  body.innerHTML = page.html; // sanitised on the server when staff saved it
  return body;
}

function infoNav(current) {
  const link = (href, text) => h("a", { href: `#${href}`, "aria-current": href === current ? "page" : false }, text);
  return h(
    "nav",
    { class: "info-page__nav", "aria-label": "Информация" },
    link("/info/agreement", "Пользовательское соглашение"),
    link("/info/contacts", "Контакты"),
    Object.entries(HELP_SECTIONS).map(([section, title]) => link(`/info/help/${section}`, `Помощь: ${title}`)),
  );
}

async function pageView(ctx, slug, path) {
  const version = slug === "agreement" ? ctx.params.get("version") : null;
  const page = await ctx.api.get(version ? `/pages/agreement/versions/${encodeURIComponent(version)}` : `/pages/${slug}`,
    { auth: false });
  const edition = slug === "agreement"
    ? h(
        "p",
        { class: "hint" },
        `Редакция ${page.version}`,
        page.updated_at ? ` от ${formatDateTime(page.updated_at)}` : "",
        version ? [". ", h("a", { href: "#/info/agreement" }, "Действующая редакция")] : "",
        !version && page.version > 1
          ? [". Прежние редакции: ",
             Array.from({ length: page.version - 1 }, (_, i) => i + 1).map((n) =>
               [h("a", { href: `#/info/agreement?version=${n}` }, String(n)), " "])]
          : "",
      )
    : null;
  return h(
    "section",
    { class: "page info-page" },
    infoNav(path),
    h("div", { class: "card" }, h("h1", { tabindex: "-1" }, page.title), edition, pageBody(page)),
  );
}

export const infoRoutes = {
  "/info": { view: (ctx) => pageView(ctx, "agreement", "/info/agreement"), title: "Информация" },
  "/info/agreement": { view: (ctx) => pageView(ctx, "agreement", "/info/agreement"), title: "Пользовательское соглашение" },
  "/info/contacts": { view: (ctx) => pageView(ctx, "contacts", "/info/contacts"), title: "Контакты" },
  ...Object.fromEntries(
    Object.entries(HELP_SECTIONS).map(([section, title]) => [
      `/info/help/${section}`,
      { view: (ctx) => pageView(ctx, `help-${section}`, `/info/help/${section}`), title: `Помощь: ${title}` },
    ]),
  ),
};

// Footer links: the information pages, and the help of the section the user is in.
export function infoLinks(path) {
  const first = path.split("/")[1] || "";
  const section = SECTION_OF_PATH[first] || first;
  return h(
    "p",
    { class: "footer__links footer__info" },
    HELP_SECTIONS[section] ? h("a", { href: `#/info/help/${section}` }, `Помощь: ${HELP_SECTIONS[section]}`) : null,
    h("a", { href: "#/info/agreement" }, "Пользовательское соглашение"),
    h("a", { href: "#/info/contacts" }, "Контакты"),
  );
}
