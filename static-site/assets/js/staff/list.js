// Pieces for the staff console's search-and-list pages, for any section to use: a search form whose
// values live in the page's address (a search survives a reload and can be sent to a colleague), and a
// results table that stacks into labelled blocks on phones. (The older sections still build their own.)

import { formAlert, formValues, h, showErrors } from "../ui.js";

// A search form: on submit it opens #/<section>?<its filled-in values>, and the section's view reads
// them back from ctx.params. controls: field()/selectField() elements named as the query parameters.
// check(values) may return problems [{path, message}] to show instead of searching.
export function filterForm(ctx, { section, label, controls, submit = "Показать", check }) {
  const form = h(
    "form",
    { class: "form filters", novalidate: true, role: "search", "aria-label": label },
    formAlert(),
    h("div", { class: "grid" }, controls),
    h("div", { class: "form__actions" }, h("button", { type: "submit", class: "btn" }, submit)),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    const problems = check ? check(values) : [];
    if (problems.length) {
      showErrors(form, "Проверьте условия поиска.", problems);
      return;
    }
    const query = new URLSearchParams(Object.entries(values).filter(([, value]) => value !== "" && value !== false));
    ctx.navigate(`/${section}${query.toString() ? `?${query}` : ""}`);
  });
  return form;
}

// A table of `items`, one row each; columns: [{title, cell: (item) => content, header: true for the
// column that names the row}]. Shows `empty` instead when there are no items.
export function resultsTable({ caption, columns, items, empty = "Ничего не найдено." }) {
  if (!items.length) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--stack" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.title)))),
      h(
        "tbody",
        {},
        items.map((item) =>
          h(
            "tr",
            {},
            columns.map((c) =>
              c.header ? h("th", { scope: "row" }, c.cell(item)) : h("td", { "data-label": c.title }, c.cell(item)),
            ),
          ),
        ),
      ),
    ),
  );
}
