// «Обращения» (seeds 000, 001, 003, 004): appeals and extra-service requests in one list with search
// by number, filters and the archive of closed ones; the appeal form (type, addressee, topic, text,
// contact phone, files), the extra-service request form (object address from the street directory,
// service type, text, files), and the card with its status history and the company's answer.

import { CASE_KINDS, casePill, dueText, facts, selectField, textField, timeline } from "../cases-common.js";
import { loadLocalities, localitySelect, streetPicker } from "../streets.js";
import { fileList, filePicker } from "../uploads.js";
import {
  checkRequired,
  clearErrors,
  displayName,
  field,
  formAlert,
  formatDate,
  formatDay,
  formatPhone,
  formValues,
  h,
  setBusy,
  showErrors,
} from "../ui.js";

const KIND_FILTERS = [
  ["", "Все"],
  ["appeal", "Обращения"],
  ["service_request", "Заявки на услуги"],
];
const OPEN_STATUSES = ["submitted", "in_progress", "answered"];
const ARCHIVED_STATUSES = ["closed", "rejected"];

const cardHref = (item) => `#/appeals/${CASE_KINDS[item.kind].route}?id=${encodeURIComponent(item.id)}`;

function listQuery(params) {
  const query = new URLSearchParams({ archived: params.get("archive") === "1" ? "true" : "false" });
  for (const name of ["number", "status"]) if (params.get(name)) query.set(name, params.get(name));
  return query;
}

function casesTable(items) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--stack" },
      h("caption", { class: "visually-hidden" }, "Обращения и заявки"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Номер", "Вид и тема", "Статус", "Срок рассмотрения"].map((title) => h("th", { scope: "col" }, title)),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((item) =>
          h(
            "tr",
            {},
            h(
              "th",
              { scope: "row" },
              h("a", { class: "nowrap", href: cardHref(item) }, `№\u00a0${item.number}`),
              h("span", { class: "cell-sub" }, `от ${formatDate(item.created_at)}`),
            ),
            h(
              "td",
              { "data-label": "Вид" },
              item.type_title,
              h("span", { class: "cell-sub" }, item.kind === "appeal" ? item.topic : "Заявка на дополнительную услугу"),
            ),
            h("td", { "data-label": "Статус" }, casePill(item.status, item.status_title)),
            h("td", { "data-label": "Срок рассмотрения" }, item.archived ? "—" : dueText(item.due_on, item.overdue)),
          ),
        ),
      ),
    ),
  );
}

export async function casesView(ctx) {
  const params = ctx.params;
  const archive = params.get("archive") === "1";
  const kind = params.get("kind") || "";
  const path = kind ? `/${CASE_KINDS[kind]?.api || "appeals"}` : "/cases";
  const [options, list] = await Promise.all([
    ctx.api.get("/cases/options"),
    ctx.api.get(`${path}?${listQuery(params)}`).catch((error) => error),
  ]);

  const statuses = options.statuses.filter((s) => (archive ? ARCHIVED_STATUSES : OPEN_STATUSES).includes(s.code));
  const button = h("button", { type: "submit", class: "btn" }, "Найти");
  const form = h(
    "form",
    { class: "form filters", novalidate: true, role: "search", "aria-label": "Поиск обращений" },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      field({ name: "number", label: "Номер", value: params.get("number") || "", hint: "Например, 2026-000123 или 123", size: "narrow" }),
      selectField({ name: "kind", label: "Вид", options: KIND_FILTERS, value: kind, size: "narrow" }),
      selectField({
        name: "status",
        label: "Статус",
        options: [["", "Все"], ...statuses.map((s) => [s.code, s.title])],
        value: params.get("status") || "",
        size: "narrow",
      }),
    ),
    h(
      "div",
      { class: "form__actions" },
      button,
      params.get("number") || params.get("status") || kind
        ? h("a", { class: "btn btn--ghost", href: archive ? "#/appeals?archive=1" : "#/appeals" }, "Сбросить")
        : null,
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    const query = new URLSearchParams();
    if (archive) query.set("archive", "1");
    for (const name of ["number", "kind", "status"]) if (values[name]) query.set(name, values[name]);
    ctx.navigate(`/appeals${query.toString() ? `?${query}` : ""}`);
  });

  let results = null;
  if (list instanceof Error) {
    // A malformed number comes back as a field error: shown at the field, like any form error.
    if (list.fields?.length) showErrors(form, list.message, list.fields);
    else results = h("div", { class: "notice notice--error", role: "alert" }, list.message);
  } else if (list.items.length) {
    results = casesTable(list.items);
  } else {
    const filtered = params.get("number") || params.get("status") || kind;
    results = h(
      "p",
      { class: "empty" },
      filtered
        ? "Ничего не найдено. Измените условия поиска."
        : archive
          ? "В архиве пока ничего нет: сюда попадают рассмотренные и отклонённые обращения."
          : "Обращений и заявок пока нет.",
    );
  }

  const tab = (href, text, current) => h("a", { href, class: "tabs__tab", "aria-current": current ? "page" : false }, text);
  return h(
    "section",
    { class: "page" },
    h("h1", { tabindex: "-1" }, "Обращения"),
    h(
      "p",
      { class: "lead" },
      "Обращения, жалобы и заявки на дополнительные услуги. Ответ на обращение — не позднее ",
      `${options.appeal_answer_days} дней со дня регистрации; о каждом изменении статуса придёт SMS.`,
    ),
    h(
      "div",
      { class: "form__actions page-actions" },
      h("a", { class: "btn btn--primary", href: "#/appeals/new" }, "Новое обращение"),
      h("a", { class: "btn", href: "#/appeals/service" }, "Заявка на дополнительную услугу"),
    ),
    h(
      "nav",
      { class: "tabs", "aria-label": "Текущие и архив" },
      tab("#/appeals", "Текущие", !archive),
      tab("#/appeals?archive=1", "Архив", archive),
    ),
    h("section", { class: "card", "aria-label": "Список" }, form, h("div", { class: "results" }, results)),
  );
}

// --- forms ------------------------------------------------------------------------------------

function applicantCard(user) {
  const address = user.address
    ? [user.address.postcode, user.address.locality, user.address.street, `д. ${user.address.house}`, user.address.flat ? `кв. ${user.address.flat}` : null]
        .filter(Boolean)
        .join(", ")
    : null;
  return h(
    "section",
    { class: "card card--muted", "aria-labelledby": "applicant-title" },
    h("h2", { id: "applicant-title", class: "card__title" }, "Заявитель"),
    facts([
      [user.kind === "person" ? "ФИО" : "Организация", user.kind === "person" ? [user.last_name, user.first_name, user.middle_name].filter(Boolean).join(" ") : displayName(user)],
      ["Почтовый адрес", address],
      ["E-mail", user.email],
    ]),
    h("p", { class: "hint" }, "Данные из профиля. ", h("a", { href: "#/profile" }, "Изменить в профиле")),
  );
}

function phoneField(user) {
  return field({
    name: "contact_phone",
    label: "Телефон для связи",
    type: "tel",
    required: true,
    autocomplete: "tel",
    value: formatPhone(user.phone),
    hint: "На этот номер придут SMS о регистрации и о каждом изменении статуса",
  });
}

// Submits a case form: checks required fields and the files, then `send(values, attachmentIds)`.
function caseSubmit(form, button, picker, busyText, send) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (picker.busy()) problems.push({ path: "attachments", message: "Дождитесь окончания загрузки файлов." });
    if (picker.failed()) problems.push({ path: "attachments", message: "Уберите файлы, которые не загрузились." });
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    clearErrors(form);
    setBusy(button, true, busyText);
    try {
      await send(formValues(form), picker.ids());
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
}

// After submission: the registration number and the term (seed 001: «Регистрационный номер … 7874»).
function registered(ctx, card) {
  ctx.flash(
    card.kind === "appeal"
      ? `Обращение зарегистрировано под номером ${card.number}. Ответ будет дан не позднее ${formatDay(card.due_on)}. ` +
          "О ходе рассмотрения мы сообщим по SMS."
      : `Заявка зарегистрирована под номером ${card.number}. Срок рассмотрения — до ${formatDay(card.due_on)}. ` +
          "О ходе исполнения мы сообщим по SMS.",
  );
  ctx.navigate(cardHref(card).slice(1));
}

export async function newAppealView(ctx) {
  const options = await ctx.api.get("/cases/options");
  const picker = filePicker({
    api: ctx.api,
    purpose: "appeal",
    name: "attachments",
    label: "Файлы",
    hint: "Если нужно: фото, сканы документов. ",
    max: options.max_files,
  });
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Отправить обращение");
  const form = h(
    "form",
    { class: "form", novalidate: true, dataset: { draft: "appeal" } },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      selectField({
        name: "type",
        label: "Вид обращения",
        required: true,
        placeholder: "Выберите вид обращения",
        options: options.appeal_types.map((t) => [t.code, t.title]),
        size: "wide",
      }),
      selectField({
        name: "addressee",
        label: "Кому",
        required: true,
        placeholder: "Выберите адресата",
        options: options.addressees.map((a) => [a, a]),
      }),
      field({ name: "topic", label: "Тема", required: true, maxlength: "200", hint: "Коротко, например «Перепады напряжения»" }),
    ),
    textField({ name: "text", label: "Текст обращения", required: true, max: options.max_text }),
    h("div", { class: "grid" }, phoneField(ctx.user)),
    picker.element,
    h("div", { class: "form__actions" }, button, h("a", { class: "btn btn--ghost", href: "#/appeals" }, "Отмена")),
  );
  caseSubmit(form, button, picker, "Отправляем…", async (values, attachments) => {
    registered(ctx, await ctx.api.post("/appeals", { ...values, attachments }));
  });
  return h(
    "section",
    { class: "page page--form" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/appeals" }, "Обращения")),
    h(
      "div",
      { class: "stack" },
      h(
        "div",
        { class: "card" },
        h("h1", { tabindex: "-1" }, "Новое обращение"),
        h("p", { class: "lead" }, "Запрос информации или консультации, жалоба, сообщение о бездоговорном потреблении или хищении."),
        form,
      ),
      applicantCard(ctx.user),
    ),
  );
}

export async function newServiceRequestView(ctx) {
  const [options, localities] = await Promise.all([
    ctx.api.get("/cases/options"),
    loadLocalities(ctx.api).catch(() => []),
  ]);
  if (!localities.length) {
    return h(
      "section",
      { class: "page page--narrow" },
      h("h1", { tabindex: "-1" }, "Заявка на дополнительную услугу"),
      h("div", { class: "notice notice--error", role: "alert" }, "Справочник адресов недоступен, поэтому заявку сейчас подать нельзя. Повторите попытку позже."),
      h("p", {}, h("a", { href: "#/appeals" }, "К обращениям")),
    );
  }
  const locality = localitySelect({ name: "locality", label: "Населённый пункт", localities });
  const localityControl = locality.querySelector("select");
  const street = streetPicker({
    api: ctx.api,
    name: "address.street_id",
    label: "Улица",
    required: true,
    hint: "Начните вводить название и выберите улицу из списка",
    locality: () => localityControl.value,
  });
  localityControl.addEventListener("change", () => street.reset());
  const picker = filePicker({
    api: ctx.api,
    purpose: "service_request",
    name: "attachments",
    label: "Файлы",
    hint: "Желательно приложить скан заявления с Вашей подписью. ",
    max: options.max_files,
  });
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Отправить заявку");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Адрес объекта"),
      h(
        "div",
        { class: "grid" },
        locality,
        street.element,
        field({ name: "address.house", label: "Дом", required: true, maxlength: "25", hint: "С корпусом или строением", size: "narrow" }),
        field({ name: "address.flat", label: "Квартира, офис", maxlength: "25", size: "narrow" }),
      ),
    ),
    h(
      "div",
      { class: "grid" },
      selectField({
        name: "service",
        label: "Услуга",
        required: true,
        placeholder: "Выберите услугу",
        options: options.service_types.map((t) => [t.code, t.title]),
        size: "wide",
      }),
    ),
    textField({ name: "text", label: "Текст заявки", required: true, max: options.max_text, hint: "Опишите, что нужно сделать, и удобное время" }),
    h("div", { class: "grid" }, phoneField(ctx.user)),
    picker.element,
    h("div", { class: "form__actions" }, button, h("a", { class: "btn btn--ghost", href: "#/appeals" }, "Отмена")),
  );
  caseSubmit(form, button, picker, "Отправляем…", async (values, attachments) => {
    const picked = street.value;
    if (!picked) {
      const error = new Error("Выберите улицу из справочника.");
      error.fields = [{ path: "address.street_id", message: "Начните вводить название и выберите улицу из списка" }];
      throw error;
    }
    const address = { street_id: picked.id, house: values.address.house };
    if (values.address.flat) address.flat = values.address.flat;
    const card = await ctx.api.post("/service-requests", {
      service: values.service,
      address,
      text: values.text,
      contact_phone: values.contact_phone,
      attachments,
    });
    registered(ctx, card);
  });
  return h(
    "section",
    { class: "page page--form" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/appeals" }, "Обращения")),
    h(
      "div",
      { class: "stack" },
      h(
        "div",
        { class: "card" },
        h("h1", { tabindex: "-1" }, "Заявка на дополнительную услугу"),
        h("p", { class: "lead" }, "Снятие показаний, ввод в эксплуатацию, установка или замена прибора учёта."),
        form,
      ),
      applicantCard(ctx.user),
    ),
  );
}

// --- the card ---------------------------------------------------------------------------------

function caseCardView(kind) {
  const { noun, api } = CASE_KINDS[kind];
  return async (ctx) => {
    const id = ctx.params.get("id");
    if (!id) throw new Error("Не указано обращение. Откройте его из списка.");
    const card = await ctx.api.get(`/${api}/${encodeURIComponent(id)}`);
    const filePath = (file) => `/${api}/${encodeURIComponent(card.id)}/files/${encodeURIComponent(file.id)}`;
    const title = kind === "appeal" ? `Обращение № ${card.number}` : `Заявка № ${card.number}`;
    const answer = card.answer
      ? h(
          "section",
          { class: "card card--answer", "aria-labelledby": "answer-title" },
          h("h2", { id: "answer-title", class: "card__title" }, "Ответ сетевой организации"),
          h("p", { class: "hint" }, formatDate(card.answer.answered_at)),
          h("p", { class: "prose" }, card.answer.text),
          card.answer.files.length ? fileList(ctx.api, card.answer.files, filePath) : null,
        )
      : null;
    return h(
      "section",
      { class: "page page--medium" },
      h("p", { class: "breadcrumbs" }, h("a", { href: card.archived ? "#/appeals?archive=1" : "#/appeals" }, "Обращения")),
      h("h1", { tabindex: "-1" }, title),
      h(
        "p",
        { class: "meter__pills meter__pills--lead" },
        casePill(card.status, card.status_title),
        card.overdue ? h("span", { class: "pill pill--danger" }, "Срок рассмотрения истёк") : null,
      ),
      h(
        "div",
        { class: "stack" },
        answer,
        h(
          "section",
          { class: "card", "aria-labelledby": "case-title" },
          h("h2", { id: "case-title", class: "card__title" }, noun),
          facts([
            ["Вид", card.type_title],
            ["Кому", card.addressee],
            ["Адрес объекта", card.address?.text],
            ["Тема", kind === "appeal" ? card.topic : null],
            ["Подано", formatDate(card.created_at)],
            ["Срок рассмотрения", card.archived ? null : dueText(card.due_on, card.overdue)],
            ["Телефон для связи", formatPhone(card.contact_phone)],
          ]),
          h("h3", { class: "subhead" }, "Текст"),
          h("p", { class: "prose" }, card.text),
          h("h3", { class: "subhead" }, "Файлы"),
          fileList(ctx.api, card.files, filePath, { empty: "Файлы не прикладывались." }),
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "history-title" },
          h("h2", { id: "history-title", class: "card__title" }, "Ход рассмотрения"),
          timeline(card.history.map((e) => ({ at: e.at, title: e.status_title, comment: e.comment, who: e.by_company ? "сетевая организация" : "Вы" }))),
        ),
      ),
    );
  };
}

export const appealCardView = caseCardView("appeal");
export const serviceRequestCardView = caseCardView("service_request");
