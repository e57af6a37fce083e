// Staff console «Справочники»: the street directory the consumer forms and the outage lookup use.
// Everyone in the section searches it; administrators add a street, rename one (it keeps its id, so
// outages and subscriptions stay with it) and load a list, one street per line — rows the API refuses
// come back with their line numbers, repeats are skipped.
// The directory holds streets only: houses are typed by consumers and by the outage editor (a range
// such as «2–16, 18к1» per street of an outage), so there are no house lists to keep here.

import { clearErrors, field, formAlert, formValues, h, pluralRu, setBusy, showErrors } from "../ui.js";
import { loadLocalities, localitySelect } from "../streets.js";

const enc = encodeURIComponent;
const EDITORS = ["admin"];
const mayEdit = (staff) => (staff.roles || [staff.role]).some((role) => EDITORS.includes(role));

function renameForm(ctx, street, row) {
  const button = h("button", { type: "submit", class: "btn btn--primary btn--small" }, "Сохранить");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": `Переименовать: ${street.name}` },
    formAlert(),
    field({ name: "name", label: "Новое название", required: true, value: street.name, size: "wide" }),
    h(
      "div",
      { class: "form__actions" },
      button,
      h("button", { type: "button", class: "btn btn--ghost btn--small", onclick: () => row.replaceWith(streetRow(ctx, street)) }, "Отмена"),
    ),
  );
  form.elements.namedItem("name").value = street.name;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      const renamed = await ctx.api.patch(`/staff/reference/streets/${enc(street.id)}`, formValues(form));
      row.replaceWith(streetRow(ctx, renamed, `Улица переименована: ${renamed.name}`));
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return form;
}

function streetRow(ctx, street, notice) {
  const row = h("li", { class: "street-row" });
  const edit = mayEdit(ctx.staff)
    ? h(
        "button",
        {
          type: "button",
          class: "btn btn--ghost btn--small",
          "aria-label": `Переименовать: ${street.name}`,
          onclick: () => row.replaceChildren(renameForm(ctx, street, row)),
        },
        "Переименовать",
      )
    : null;
  row.append(
    h("span", { class: "street-row__name" }, street.name),
    " ",
    edit,
    notice ? h("p", { class: "notice notice--success", role: "status" }, notice) : null,
  );
  return row;
}

function searchBlock(ctx, localities) {
  const results = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "btn" }, "Найти");
  const form = h(
    "form",
    { class: "form filters", novalidate: true, role: "search", "aria-label": "Поиск улиц" },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      localitySelect({ name: "locality", label: "Населённый пункт", localities, value: ctx.params.get("locality") }),
      field({ name: "q", label: "Начало названия", hint: "Пусто — первые 20 улиц по алфавиту" }),
    ),
    h("div", { class: "form__actions" }, button),
  );
  form.elements.namedItem("q").value = ctx.params.get("q") || "";
  const search = async () => {
    clearErrors(form);
    const { locality, q } = formValues(form);
    setBusy(button, true, "Ищем…");
    try {
      const { items } = await ctx.api.get(`/reference/streets?locality=${enc(locality)}&q=${enc(q)}`, { auth: false });
      results.replaceChildren(
        items.length
          ? h("ul", { class: "street-list" }, items.map((street) => streetRow(ctx, street)))
          : h("p", { class: "empty" }, "Улиц не найдено"),
      );
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  if (ctx.params.get("locality")) search();
  return h("section", { "aria-labelledby": "streets-search" }, h("h2", { id: "streets-search", class: "card__title" }, "Поиск"), form, results);
}

function addBlock(ctx) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Добавить");
  const done = h("div", { role: "status" });
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Добавить улицу" },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      field({ name: "locality", label: "Населённый пункт", required: true }),
      field({ name: "name", label: "Улица", required: true, hint: "Например: ул. Плехановская, пр-т Революции" }),
    ),
    h("div", { class: "form__actions" }, button),
    done,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    done.replaceChildren();
    setBusy(button, true, "Добавляем…");
    try {
      const street = await ctx.api.post("/staff/reference/streets", formValues(form));
      form.elements.namedItem("name").value = "";
      done.replaceChildren(h("p", { class: "notice notice--success" }, `Добавлена улица: ${street.name} (${street.locality})`));
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });
  return h("section", { "aria-labelledby": "streets-add" }, h("h2", { id: "streets-add", class: "card__title" }, "Добавить улицу"), form);
}

function importBlock(ctx) {
  const button = h("button", { type: "submit", class: "btn" }, "Загрузить");
  const report = h("div", { role: "status" });
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Загрузить список улиц" },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      field({ name: "locality", label: "Населённый пункт", required: true }),
      field({
        name: "names",
        label: "Улицы, по одной в строке",
        type: "textarea",
        rows: 8,
        required: true,
        size: "wide",
        hint: "До 1000 строк. Улицы, которые уже есть в справочнике, пропускаются.",
      }),
    ),
    h("div", { class: "form__actions" }, button),
    report,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    report.replaceChildren();
    const { locality, names } = formValues(form);
    // Line numbers as the user sees them: empty lines keep their place in the count.
    const lines = names.split("\n").map((name, i) => ({ name: name.trim(), line: i + 1 })).filter((l) => l.name);
    if (!locality.trim() || !lines.length) {
      showErrors(form, "Укажите населённый пункт и хотя бы одну улицу.", []);
      return;
    }
    setBusy(button, true, "Загружаем…");
    try {
      const answer = await ctx.api.post("/staff/reference/streets/import", {
        items: lines.map(({ name }) => ({ locality, name })),
      });
      report.replaceChildren(
        h(
          "p",
          { class: answer.errors.length ? "notice" : "notice notice--success" },
          `Добавлено ${answer.created} ${pluralRu(answer.created, "улица", "улицы", "улиц")}, уже были в справочнике: ${answer.existing}` +
            (answer.errors.length ? `, с ошибками: ${answer.errors.length}` : "") + ".",
        ),
        answer.errors.length
          ? h("ul", { class: "import-errors" }, answer.errors.map((e) => h("li", {}, `Строка ${lines[e.index].line}: ${e.message}`)))
          : null,
      );
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });
  return h("section", { "aria-labelledby": "streets-import" }, h("h2", { id: "streets-import", class: "card__title" }, "Загрузить список"), form);
}

export async function referenceSection(ctx) {
  const localities = await loadLocalities(ctx.api);
  const editor = mayEdit(ctx.staff);
  return {
    title: "Справочники: улицы",
    body: h(
      "div",
      { class: "stack" },
      h(
        "p",
        { class: "lead" },
        "Справочник улиц для адресов потребителей, заявок и отключений. Номера домов в справочнике не ведутся: " +
          "их указывают потребитель в адресе и оператор в отключении (диапазоны домов по каждой улице).",
      ),
      searchBlock(ctx, localities),
      editor ? addBlock(ctx) : null,
      editor ? importBlock(ctx) : null,
    ),
  };
}
