// Pieces for the staff console's search-and-list pages, for any section to use: a search form whose
// values live in the page's address (a search survives a reload and can be sent to a colleague), and a
// results table that stacks into labelled blocks on phones, whole or a page at a time.

import { formAlert, formValues, h, setBusy, showErrors } from "../ui.js";

const PAGE = 30;

// A search form: on submit it opens #/<section>?<its filled-in values>, and the section's view reads
// them back from ctx.params. controls: field()/selectField() elements named as the query parameters.
// checks: [{name, label}] checkboxes under them; a ticked one is put in the address as name=1.
// check(values) may return problems [{path, message}] to show instead of searching.
export function filterForm(ctx, { section, label, controls, checks = [], submit = "Показать", check }) {
  const form = h(
    "form",
    { class: "form filters", novalidate: true, role: "search", "aria-label": label },
    formAlert(),
    h("div", { class: "grid" }, controls),
    checks.map(({ name, label: text }) =>
      h(
        "div",
        { class: "check" },
        h("input", { type: "checkbox", id: `${section}-${name}`, name, checked: ctx.params.get(name) === "1" }),
        h("label", { for: `${section}-${name}` }, text),
      ),
    ),
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
    const filled = Object.entries(values).filter(([, value]) => value !== "" && value !== false);
    const query = new URLSearchParams(filled.map(([name, value]) => [name, value === true ? "1" : value]));
    ctx.navigate(`/${section}${query.toString() ? `?${query}` : ""}`);
  });
  return form;
}

// columns: [{title, cell: (item) => content}], and on a column:
//   header: true — the cell that names the row;
//   label — what names the cell on phones, where the title is too short to say it;
//   num: true — a number, right-aligned;
//   action: true — the row's links or buttons; the title is only for screen readers.
function headRow(columns) {
  return h(
    "tr",
    {},
    columns.map((c) =>
      h("th", { scope: "col", class: c.num ? "num" : false }, c.action ? h("span", { class: "visually-hidden" }, c.title) : c.title),
    ),
  );
}

function bodyRows(columns, items, rowClass) {
  return items.map((item) =>
    h(
      "tr",
      { class: rowClass?.(item) || false },
      columns.map((c) => {
        if (c.header) return h("th", { scope: "row" }, c.cell(item));
        if (c.action) return h("td", { class: "cell-action" }, c.cell(item));
        return h("td", { class: c.num ? "num" : false, "data-label": c.label || c.title }, c.cell(item));
      }),
    ),
  );
}

function stackTable(caption, columns, items, rowClass) {
  return h(
    "table",
    { class: "table table--stack" },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, headRow(columns)),
    h("tbody", {}, bodyRows(columns, items, rowClass)),
  );
}

// A table of `items`, one row each (see the columns above); rowClass(item) may mark a row.
// Shows `empty` instead when there are no items.
export function resultsTable({ caption, columns, items, rowClass, empty = "Ничего не найдено." }) {
  if (!items.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap" }, stackTable(caption, columns, items, rowClass));
}

// The same table filled a page at a time from `path` (the API's cursor paging): «Показать ещё» brings
// the next page while there is one. empty(more) is the text for no rows yet — `more` when pages remain,
// as a filter the API applies page by page may leave a page empty. Resolves, once the first page is in,
// to the elements to place (an error line, the table, the button); rejects if the first page fails.
export async function pagedTable(ctx, { path, query, caption, columns, rowClass, empty }) {
  const table = stackTable(caption, columns, [], rowClass);
  const rows = table.tBodies[0];
  const emptyText = h("p", { class: "empty", hidden: true });
  table.hidden = true;
  const more = h("button", { type: "button", class: "btn btn--ghost", hidden: true }, "Показать ещё");
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  let cursor = null;
  const load = async () => {
    const pageQuery = new URLSearchParams(query);
    pageQuery.set("limit", String(PAGE));
    if (cursor) pageQuery.set("cursor", cursor);
    const page = await ctx.api.get(`${path}?${pageQuery}`);
    rows.append(...bodyRows(columns, page.items, rowClass));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    table.hidden = !rows.children.length;
    emptyText.hidden = Boolean(rows.children.length);
    emptyText.textContent = empty(Boolean(cursor));
  };
  await load();
  more.addEventListener("click", async () => {
    error.hidden = true;
    setBusy(more, true, "Загрузка…");
    try {
      await load();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      setBusy(more, false);
    }
  });
  return [error, h("div", { class: "table-wrap" }, table, emptyText), h("div", { class: "feed__more" }, more)];
}
