// Staff console «Отключения»: outages of a month, entering and editing one (streets from the directory,
// houses as ranges), publishing planned ones (SMS to subscribers), cancelling, and importing a CSV file.
// Changing the times or addresses of a published planned outage, cancelling it or bringing it back texts
// its subscribers (the server decides and reports how many); importing the same file again changes nothing,
// and the import report says per row what happened.

import { reporter } from "../cases-common.js";
import { loadLocalities, localitySelect, streetPicker } from "../streets.js";
import {
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatLocalDateTime,
  formatLocalRange,
  h,
  pluralRu,
  setBusy,
  showErrors,
} from "../ui.js";
import { fileCard } from "./file-card.js";
import { resultsTable } from "./list.js";

const MONTHS = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"];
const CSV_HEADER = "kind;locality;street;houses;start;end;reason";
const CSV_COLUMNS = {
  row: "Строка",
  number: "Номер",
  kind: "Вид",
  locality: "Населённый пункт",
  street: "Улица",
  houses: "Дома",
  start: "Начало",
  end: "Окончание",
  reason: "Причина",
};

const IMPORT_RESULTS = {
  new: ["Создано", "pill--ok"],
  updated: ["Обновлено", "pill--info"],
  unchanged: ["Без изменений", "pill--muted"],
  error: ["Ошибка", "pill--danger"],
};
const CHANGED_FIELDS = { start: "начало", end: "окончание", streets: "дома", reason: "причина", status: "состояние" };

const smsCount = (n) => `${n} ${pluralRu(n, "подписчику", "подписчикам", "подписчикам")}`;

const monthKey = (date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;

function shiftMonth(key, by) {
  const [year, month] = key.split("-").map(Number);
  return monthKey(new Date(year, month - 1 + by, 1));
}

function monthTitle(key) {
  const [year, month] = key.split("-").map(Number);
  return `${MONTHS[month - 1]} ${year}`;
}

// "2026-11-30T09:00:00+03:00" → "2026-11-30T09:00" for <input type="datetime-local">: company local time,
// which is also how the API reads a time without an offset.
const localInput = (iso) => (iso ? iso.slice(0, 16) : "");

function stateCell(outage) {
  const pending = outage.notice_pending
    ? h("span", { class: "cell-sub" }, "Рассылка об изменении не завершена — сохраните отключение ещё раз")
    : null;
  if (outage.status === "cancelled") return [h("span", { class: "pill pill--muted" }, "Отменено"), pending];
  if (!outage.published) return h("span", { class: "pill pill--warn" }, "Не опубликовано");
  return [
    h("span", { class: "pill pill--ok" }, "Опубликовано"),
    outage.kind === "planned"
      ? h("span", { class: "cell-sub" }, `SMS: ${outage.notified} ${pluralRu(outage.notified, "подписчик", "подписчика", "подписчиков")}`)
      : null,
    outage.changed_at ? h("span", { class: "cell-sub" }, `Изменено ${formatLocalDateTime(outage.changed_at)}`) : null,
    pending,
  ];
}

// What a save did, for the message after it: nothing, a change, a change texted to subscribers.
function savedMessage(before, saved) {
  if (saved.version === before.version) return "Изменений нет — отключение осталось прежним.";
  if (saved.change_notified) return `Отключение сохранено. SMS об изменении отправлено ${smsCount(saved.change_notified)}.`;
  return "Отключение сохранено.";
}

// The row's links and buttons: change it, and publish a planned one that is not published yet.
function outageActions(ctx, outage, onChange, report) {
  const publish =
    outage.kind === "planned" && !outage.published && outage.status === "active"
      ? h("button", { type: "button", class: "btn btn--small btn--primary" }, "Опубликовать")
      : null;
  publish?.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: "Опубликовать отключение?",
      text: "Отключение увидят потребители, а подписчикам этих адресов уйдёт SMS.",
      confirm: "Опубликовать",
      cancel: "Отмена",
    });
    if (!yes) return;
    setBusy(publish, true, "Публикуем…");
    try {
      const fresh = await ctx.api.post(`/staff/outages/${encodeURIComponent(outage.id)}/publish`);
      report(`Отключение опубликовано. SMS отправлено: ${fresh.notified}.`, "success");
      onChange();
    } catch (error) {
      setBusy(publish, false);
      report(error.message, "error");
    }
  });
  return h("div", { class: "row-actions" }, h("a", { href: `#/outages/edit?id=${encodeURIComponent(outage.id)}` }, "Изменить"), publish);
}

function outageColumns(ctx, onChange, report) {
  return [
    {
      title: "Вид",
      header: true,
      cell: (outage) => [
        h("span", { class: `pill ${outage.kind === "emergency" ? "pill--danger" : "pill--info"}` }, outage.kind_title),
        outage.number ? h("span", { class: "cell-sub" }, `№ ${outage.number}`) : null,
      ],
    },
    { title: "Время", cell: (outage) => formatLocalRange(outage.start, outage.end, "окончание не указано") },
    {
      title: "Адреса",
      cell: (outage) =>
        outage.streets.map((s) => h("span", { class: "cell-line" }, `${s.locality}, ${s.name}${s.houses ? `: ${s.houses}` : " (вся улица)"}`)),
    },
    { title: "Причина", cell: (outage) => outage.reason },
    { title: "Состояние", cell: stateCell },
    { title: "Действия", action: true, cell: (outage) => outageActions(ctx, outage, onChange, report) },
  ];
}

function importReport(report) {
  const errorsByRow = new Map();
  for (const e of report.errors) {
    const name = CSV_COLUMNS[e.path] || e.path;
    const label = e.path === "row" || e.message.startsWith(name) ? "" : `${name}: `;
    errorsByRow.set(e.row, [...(errorsByRow.get(e.row) || []), `${label}${e.message}`]);
  }
  const details = (row) => {
    if (row.result === "error") return (errorsByRow.get(row.row) || [row.message]).join("; ");
    const parts = [];
    if (row.result === "updated") {
      parts.push(`Изменено: ${row.fields.map((f) => CHANGED_FIELDS[f] || f).join(", ")}.`);
      if (row.notified) parts.push(`SMS об изменении отправлено ${smsCount(row.notified)}.`);
    }
    if (row.message) parts.push(row.message);
    return parts.join(" ");
  };
  const summary = [
    `Создано: ${report.created}`,
    `обновлено: ${report.updated}`,
    `без изменений: ${report.unchanged}`,
    `с ошибками: ${report.rejected}`,
  ].join(", ");
  return [
    h(
      "div",
      { class: `notice ${report.rejected ? "notice--error" : "notice--success"}`, role: "status" },
      `${summary}.`,
      report.rejected ? " Строки с ошибками не загружены — исправьте их и загрузите файл ещё раз." : "",
      report.created && !report.rejected ? " Новые плановые отключения ждут публикации." : "",
    ),
    report.rows.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "table table--compact", id: "outage-import-report" },
            h("caption", { class: "visually-hidden" }, "Итог загрузки по строкам файла"),
            h(
              "thead",
              {},
              h("tr", {}, ["Строка", "Номер", "Итог", "Подробности"].map((t) => h("th", { scope: "col" }, t))),
            ),
            h(
              "tbody",
              {},
              report.rows.map((row) => {
                const [title, pill] = IMPORT_RESULTS[row.result] || [row.result, ""];
                return h(
                  "tr",
                  {},
                  h("td", {}, String(row.row)),
                  h("td", {}, row.number || "—"),
                  h("td", {}, h("span", { class: `pill ${pill}` }, title)),
                  h("td", {}, details(row)),
                );
              }),
            ),
          ),
        )
      : null,
  ];
}

function importCard(ctx, onImported) {
  return fileCard({
    title: "Загрузка из файла",
    titleId: "import-title",
    input: { id: "outage-import-file", name: "file", accept: ".csv,text/csv", required: true },
    label: "Файл CSV",
    hints: [
      [
        "Разделитель «;», первая строка — заголовок ",
        h("code", {}, CSV_HEADER),
        ". Время — ДД.ММ.ГГГГ ЧЧ:ММ (местное), вид — «Плановое» или «Аварийное». Кодировка UTF-8 или Windows-1251.",
      ],
      [
        "Файл можно загружать повторно: уже загруженные строки не создают новых отключений, а изменённые обновляют их. ",
        "Отключения узнаются по номеру из диспетчерской системы (необязательный столбец ",
        h("code", {}, "number"),
        "), а без номера — по виду, улице, домам и началу. Об изменённом времени опубликованного планового отключения подписчикам придёт SMS.",
      ],
    ],
    button: "Загрузить",
    missing: "Выберите файл CSV",
    send: async (_chosen, csv) => {
      const report = await ctx.api.post("/staff/outages/import", { csv });
      if (report.created || report.updated) onImported();
      return importReport(report);
    },
  });
}

async function listView(ctx) {
  const month = /^\d{4}-\d{2}$/.test(ctx.params.get("month") || "") ? ctx.params.get("month") : monthKey(new Date());
  const body = h("div", {});
  const { element: message, report } = reporter();

  const load = async () => {
    const { items } = await ctx.api.get(`/staff/outages?month=${month}`);
    body.replaceChildren(
      resultsTable({
        caption: `Отключения: ${monthTitle(month)}`,
        columns: outageColumns(ctx, load, report),
        items,
        empty: "В этом месяце отключений нет.",
      }),
    );
  };
  await load();

  const picker = h("input", { type: "month", id: "outages-month", value: month, "aria-label": "Месяц" });
  picker.addEventListener("change", () => picker.value && ctx.navigate(`/outages?month=${picker.value}`));
  return h(
    "div",
    { class: "stack" },
    h(
      "div",
      { class: "toolbar" },
      h(
        "div",
        { class: "month-nav" },
        h("a", { class: "btn btn--ghost btn--small", href: `#/outages?month=${shiftMonth(month, -1)}`, "aria-label": "Предыдущий месяц" }, "‹"),
        h("h2", { class: "month-nav__title" }, monthTitle(month)),
        h("a", { class: "btn btn--ghost btn--small", href: `#/outages?month=${shiftMonth(month, 1)}`, "aria-label": "Следующий месяц" }, "›"),
        picker,
      ),
      h("a", { class: "btn btn--primary", href: "#/outages/new" }, "Новое отключение"),
    ),
    message,
    body,
    importCard(ctx, load),
  );
}

// --- entering and editing -----------------------------------------------------------------------

async function formView(ctx, outage) {
  const localities = await loadLocalities(ctx.api);
  const firstLocality = outage?.streets[0]?.locality;
  const locality = localitySelect({ name: "locality", label: "Населённый пункт", localities, value: firstLocality });
  const localityControl = locality.querySelector("select");
  const rowsBox = h("div", { class: "street-rows" });
  const rows = [];

  const reindex = () =>
    rows.forEach((row, i) => {
      for (const [key, wrapper, control] of [
        ["street_id", row.picker.element, row.picker.input],
        ["houses", row.houses, row.houses.querySelector("input")],
      ]) {
        wrapper.dataset.field = `streets.${i}.${key}`;
        control.name = `streets.${i}.${key}`;
      }
      row.remove.hidden = rows.length === 1;
    });

  const addRow = (street) => {
    const picker = streetPicker({
      api: ctx.api,
      name: "street_id",
      label: "Улица",
      required: true,
      locality: () => localityControl.value,
    });
    if (street) picker.set({ id: street.id, name: street.name, locality: street.locality });
    const houses = field({
      name: "houses",
      label: "Дома",
      value: street?.houses || "",
      hint: "«1, 3, 5–11, 12к2»; пусто — вся улица",
    });
    const remove = h("button", { type: "button", class: "btn btn--ghost btn--small street-row__remove" }, "Убрать улицу");
    const element = h("div", { class: "street-row" }, picker.element, houses, remove);
    const row = { picker, houses, remove, element };
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(row), 1);
      element.remove();
      reindex();
      rows[0]?.picker.input.focus();
    });
    rows.push(row);
    rowsBox.append(element);
    reindex();
    return row;
  };
  (outage?.streets.length ? outage.streets : [null]).forEach(addRow);
  localityControl.addEventListener("change", () => rows.forEach((row) => row.picker.reset()));

  const kindRadios = outage
    ? h("p", {}, "Вид: ", h("strong", {}, outage.kind_title))
    : h(
        "fieldset",
        { class: "fieldset", dataset: { field: "kind" } },
        h("legend", {}, "Вид отключения"),
        h(
          "div",
          { class: "segmented segmented--two" },
          [["planned", "Плановое"], ["emergency", "Аварийное"]].map(([value, text], i) =>
            h(
              "div",
              { class: "segmented__item" },
              h("input", { type: "radio", id: `kind-${value}`, name: "kind", value, checked: i === 0 }),
              h("label", { for: `kind-${value}` }, text),
            ),
          ),
        ),
        h("p", { class: "field-error" }),
      );

  const save = h("button", { type: "submit", class: "btn btn--primary" }, outage ? "Сохранить изменения" : "Сохранить");
  // A published planned outage: its subscribers were texted, and will be again if the times or houses change.
  const notifyNote =
    outage?.notifies_subscribers && outage.status === "active"
      ? h(
          "div",
          { class: "notice", role: "note", id: "outage-notify-note" },
          "Отключение опубликовано. Если изменить время или дома, подписчикам этих адресов придёт SMS об изменении ",
          "(«Изменено время отключения…»), а тем, чей дом исключён, — об отмене. Изменение одной причины SMS не рассылает.",
        )
      : null;
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    kindRadios,
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Адреса"),
      h("div", { class: "grid" }, locality),
      rowsBox,
      h("p", {}, h("button", { type: "button", class: "btn btn--ghost btn--small", onclick: () => addRow(null).picker.input.focus() }, "Добавить улицу")),
    ),
    h(
      "div",
      { class: "grid" },
      field({ name: "start", label: "Начало", type: "datetime-local", required: true, value: localInput(outage?.start) }),
      field({
        name: "end",
        label: "Окончание",
        type: "datetime-local",
        value: localInput(outage?.end),
        hint: "Обязательно для планового; у аварийного можно оставить пустым, пока неизвестно",
      }),
      field({ name: "reason", label: "Причина", type: "textarea", required: true, rows: 3, maxlength: "500", value: outage?.reason || "", size: "wide" }),
    ),
    h("p", { class: "hint" }, "Время — местное время компании."),
    notifyNote,
    h(
      "div",
      { class: "form__actions" },
      save,
      h("a", { class: "btn btn--ghost", href: `#/outages?month=${(outage?.start || "").slice(0, 7) || monthKey(new Date())}` }, "Отмена"),
    ),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements.namedItem(name)?.value.trim() ?? "";
    const problems = [];
    rows.forEach((row, i) => {
      if (!row.picker.value) problems.push({ path: `streets.${i}.street_id`, message: "Выберите улицу из справочника" });
    });
    if (!value("start")) problems.push({ path: "start", message: "Укажите начало" });
    if (!value("reason")) problems.push({ path: "reason", message: "Укажите причину" });
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    const body = {
      streets: rows.map((row) => ({ street_id: row.picker.value.id, houses: row.houses.querySelector("input").value.trim() })),
      start: value("start"),
      end: value("end") || null,
      reason: value("reason"),
    };
    clearErrors(form);
    setBusy(save, true, "Сохраняем…");
    try {
      const saved = outage
        ? await ctx.api.patch(`/staff/outages/${encodeURIComponent(outage.id)}`, { version: outage.version, ...body })
        : await ctx.api.post("/staff/outages", { kind: form.elements.namedItem("kind").value, ...body });
      ctx.flash(
        saved.kind === "planned" && !saved.published
          ? "Отключение сохранено. Чтобы его увидели потребители, опубликуйте его."
          : outage
            ? savedMessage(outage, saved)
            : "Отключение сохранено.",
      );
      ctx.navigate(`/outages?month=${saved.start.slice(0, 7)}`);
    } catch (error) {
      setBusy(save, false);
      showErrors(form, error.message, error.fields);
    }
  });

  let statusBox = null;
  if (outage) {
    const cancelled = outage.status === "cancelled";
    const toggle = h("button", { type: "button", class: `btn ${cancelled ? "" : "btn--danger"}` }, cancelled ? "Вернуть отключение" : "Отменить отключение");
    const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
    toggle.addEventListener("click", async () => {
      const yes = await confirmDialog({
        title: cancelled ? "Вернуть отключение?" : "Отменить отключение?",
        text: [
          cancelled ? "Отключение снова увидят потребители." : "Потребители перестанут его видеть. Вернуть его можно здесь же.",
          outage.notifies_subscribers
            ? cancelled
              ? " Подписчикам этих адресов снова придёт SMS о плановом отключении."
              : " Подписчикам этих адресов придёт SMS об отмене."
            : "",
        ].join(""),
        confirm: cancelled ? "Вернуть" : "Отменить отключение",
        cancel: "Назад",
        danger: !cancelled,
      });
      if (!yes) return;
      setBusy(toggle, true);
      try {
        const saved = await ctx.api.patch(`/staff/outages/${encodeURIComponent(outage.id)}`, {
          version: outage.version,
          status: cancelled ? "active" : "cancelled",
        });
        const texted = saved.change_notified ? ` SMS отправлено ${smsCount(saved.change_notified)}.` : "";
        ctx.flash(`${cancelled ? "Отключение возвращено." : "Отключение отменено."}${texted}`);
        ctx.navigate(`/outages?month=${saved.start.slice(0, 7)}`);
      } catch (err) {
        setBusy(toggle, false);
        error.textContent = err.message;
        error.hidden = false;
      }
    });
    statusBox = h(
      "section",
      { class: "card card--muted", "aria-labelledby": "status-title" },
      h("h2", { id: "status-title", class: "card__title" }, "Состояние"),
      h("p", {}, stateCell(outage)),
      error,
      h("div", { class: "form__actions" }, toggle),
    );
  }

  return h("div", { class: "stack" }, form, statusBox);
}

export async function outagesSection(ctx, sub) {
  if (sub === "new") return { title: "Новое отключение", body: await formView(ctx, null) };
  if (sub === "edit") {
    const id = ctx.params.get("id");
    if (!id) throw new Error("Не указано отключение.");
    const outage = await ctx.api.get(`/staff/outages/${encodeURIComponent(id)}`);
    return { title: "Изменение отключения", body: await formView(ctx, outage) };
  }
  return { title: "Отключения", body: await listView(ctx) };
}
