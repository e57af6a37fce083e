// Staff console «Информация»: the site's information pages — the user agreement, help for each section
// and the contacts — edited as Markdown. The API renders and sanitises the HTML on save; each save of
// the agreement is a new edition (the earlier ones stay readable on the site). Operators keep the help
// up to date; the agreement and the contacts are the administrator's (the API checks the roles too).

import { clearErrors, field, formAlert, formatDateTime, h, setBusy, showErrors } from "../ui.js";

const enc = encodeURIComponent;
const KINDS = { agreement: "Соглашение", help: "Помощь", contacts: "Контакты" };
const isAdmin = (staff) => (staff.roles || [staff.role]).includes("admin");
const mayEdit = (ctx, page) => isAdmin(ctx.staff) || page.kind === "help";
// Where the site shows a page (views/info.js).
const siteHref = (slug) => `./#/info/${slug.startsWith("help-") ? `help/${slug.slice(5)}` : slug}`;

async function listView(ctx) {
  const { items } = await ctx.api.get("/pages", { auth: false });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--stack" },
      h("caption", { class: "visually-hidden" }, "Информационные страницы"),
      h(
        "thead",
        {},
        h("tr", {}, ["Страница", "Вид", "Редакция", "Сохранена", ""].map((t) => h("th", { scope: "col" }, t))),
      ),
      h(
        "tbody",
        {},
        items.map((page) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, page.title),
            h("td", { "data-label": "Вид" }, KINDS[page.kind] || page.kind),
            h("td", { "data-label": "Редакция" }, String(page.version)),
            h("td", { "data-label": "Сохранена" }, page.updated_at ? formatDateTime(page.updated_at) : "текст по умолчанию"),
            h(
              "td",
              {},
              mayEdit(ctx, page)
                ? h("a", { href: `#/pages/edit?slug=${enc(page.slug)}` }, `Изменить: ${page.title}`)
                : h("a", { href: siteHref(page.slug), target: "_blank", rel: "noopener" }, "Открыть на сайте"),
            ),
          ),
        ),
      ),
    ),
  );
}

function preview(page) {
  const text = h("div", { class: "info-page__text" });
  text.innerHTML = page.html; // sanitised by the API
  return h(
    "section",
    { class: "card", "aria-label": "Как страница выглядит на сайте" },
    h("h2", { class: "card__title" }, "На сайте"),
    text,
  );
}

async function editView(ctx) {
  const slug = ctx.params.get("slug") || "";
  let page = await ctx.api.get(`/staff/pages/${enc(slug)}`);
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Сохранить");
  const edition = h("p", { class: "hint" });
  const shown = h("div", {});
  const form = h(
    "form",
    { class: "form page-editor", novalidate: true },
    formAlert(),
    field({ name: "title", label: "Заголовок", required: true, size: "wide", maxlength: "150" }),
    field({
      name: "markdown",
      label: "Текст (Markdown)",
      type: "textarea",
      rows: 20,
      size: "wide",
      required: true,
      hint: "## Заголовок, **жирный**, *курсив*, списки «1.» и «-», ссылки [текст](https://…). HTML не допускается.",
    }),
    h("div", { class: "form__actions" }, button, h("a", { class: "btn btn--ghost", href: "#/pages" }, "К списку")),
  );
  const show = () => {
    form.elements.namedItem("title").value = page.title;
    form.elements.namedItem("markdown").value = page.markdown;
    edition.textContent =
      `Редакция ${page.version}` + (page.updated_at ? `, сохранена ${formatDateTime(page.updated_at)}` : ", текст по умолчанию") +
      (page.kind === "agreement" ? ". Сохранение создаст новую редакцию; прежние останутся доступны на сайте." : ".");
    shown.replaceChildren(preview(page));
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      page = await ctx.api.put(`/staff/pages/${enc(slug)}`, {
        title: form.elements.namedItem("title").value,
        markdown: form.elements.namedItem("markdown").value,
        version: page.version,
      });
      show();
      edition.prepend(h("strong", { role: "status" }, "Сохранено. "));
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });
  show();
  return {
    title: `Информация: ${page.title}`,
    body: h(
      "div",
      { class: "stack" },
      edition,
      h("p", {}, h("a", { href: siteHref(slug), target: "_blank", rel: "noopener" }, "Открыть на сайте")),
      form,
      shown,
    ),
  };
}

export async function pagesSection(ctx, sub) {
  if (sub === "edit") return editView(ctx);
  return { title: "Информация", body: await listView(ctx) };
}
