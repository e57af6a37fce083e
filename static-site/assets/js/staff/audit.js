// Staff console «Журнал действий» (administrators): who did what, and when — for one object (its kind
// and registration number or id) or for one employee (login). Newest first; times in the company's
// time zone as the API sends them. Action codes are shown in Russian; a code this page does not know
// yet is shown as it is.

import { selectField } from "../cases-common.js";
import { COMPANY_DOCUMENTS, STATUSES as CONNECTION_STATUSES } from "../connection-rules.js";
import { field, formatLocalDateTime, h, showErrors } from "../ui.js";
import { filterForm, resultsTable } from "./list.js";

const LIMIT = 100;
const enc = encodeURIComponent;

// Objects the trail can be searched by (the API's target kinds). Files of a billing drop are named by
// their storage key, which the search does not take: they are only shown.
const TARGETS = {
  appeal: "Обращение",
  service_request: "Заявка на услугу",
  connection_application: "Заявка на присоединение",
  outage: "Отключение",
  agent: "Агент УСПД",
  street: "Улица",
  page: "Информационная страница",
  reference: "Справочник",
  period: "Расчётный период",
  exchange: "Обмен с биллингом",
  staff_user: "Сотрудник",
};
const SHOWN_ONLY = { exchange_drop: "Файл от биллинга" };
const BY_NUMBER = ["appeal", "service_request", "connection_application"];

// Where an object opens in the console.
const LINKS = {
  appeal: (id) => `#/appeals/case?id=${enc(id)}`,
  service_request: (id) => `#/service-requests/case?id=${enc(id)}`,
  connection_application: (id) => `#/connections/case?id=${enc(id)}`,
  exchange: (id) => `#/exchange/run?id=${enc(id)}`,
};

const CASE_ACTIONS = { take: "Взятие в работу", hand_over: "Передача коллеге", status: "Смена статуса", answer: "Ответ заявителю" };
const ACTIONS = {
  "connection.take": "Взятие в работу",
  "connection.hand_over": "Передача коллеге",
  "connection.answer": "Ответ на вопрос заявителя",
  "connection.company_document": "Размещение документа сетевой организации",
  "outage.create": "Создание отключения",
  "outage.update": "Изменение отключения",
  "outage.import": "Загрузка отключения из файла",
  "outage.publish": "Публикация отключения",
  "agent.create": "Регистрация агента",
  "agent.update": "Изменение агента",
  "agent.meters": "Изменение списка счётчиков агента",
  "agent.rotate_secret": "Выпуск нового ключа агента",
  "exchange.run": "Запуск обмена с биллингом",
  "exchange.drop_upload": "Загрузка файла от биллинга",
  "period.close": "Закрытие расчётного периода",
  "reference.street.add": "Добавление улицы в справочник",
  "reference.street.import": "Загрузка улиц в справочник",
  "reference.street.rename": "Переименование улицы",
  "pages.save": "Изменение информационной страницы",
  "staff_user.create": "Создание сотрудника",
  "staff_user.update": "Изменение сотрудника",
  "staff_user.disable": "Отключение сотрудника",
  "staff_user.enable": "Включение сотрудника",
  "staff_user.password_reset": "Сброс пароля сотрудника",
};
const ROLES = {
  operator: "оператор обращений и услуг",
  engineer: "инженер по присоединению",
  metering: "инженер АИИС КУЭ",
  billing: "оператор обмена с биллингом",
  admin: "администратор",
};

// Details by key; the status change («from», «to») and the number are shown apart.
const DETAILS = {
  files: "Файлов",
  streets: "Улиц",
  fields: "Изменены поля",
  meters: "Счётчиков",
  name: "Название",
  previous_name: "Прежнее название",
  version: "Редакция",
  title: "Заголовок",
  kind: "Вид",
  keep_previous_hours: "Прежний ключ действует, ч",
  rows: "Строк",
  errors: "Ошибок",
  row: "Строка файла",
  locality: "Населённый пункт",
  created: "Добавлено",
  existing: "Уже были",
  rejected_rows: "Отклонено строк",
  tu_number: "Номер ТУ",
  account_number: "Лицевой счёт",
  previous: "Прежний исполнитель",
  previous_assignee: "Прежний исполнитель (идентификатор)",
  notified: "Уведомлено подписчиков",
  result: "Итог строки",
};
const APART = ["from", "to", "number"];
// «kind» in the details: of an outage, of a document the company posted on an application.
const KINDS = {
  outage: { planned: "плановое", emergency: "аварийное" },
  connection_application: COMPANY_DOCUMENTS,
};
// «result» of an imported outage row.
const ROW_RESULTS = { new: "добавлено", unchanged: "без изменений", updated: "обновлено" };

function actionTitle(entry, statuses) {
  const dot = entry.action.indexOf(".");
  const prefix = dot < 0 ? entry.action : entry.action.slice(0, dot);
  const rest = dot < 0 ? "" : entry.action.slice(dot + 1);
  if ((prefix === "appeal" || prefix === "service_request") && CASE_ACTIONS[rest]) return CASE_ACTIONS[rest];
  if (ACTIONS[entry.action]) return ACTIONS[entry.action];
  // A grid-connection status change is recorded as connection.<the new status>.
  if (prefix === "connection" && statuses.connection[rest]) return `Смена статуса: «${statuses.connection[rest]}»`;
  return entry.action;
}

function objectCell(entry) {
  const title = TARGETS[entry.target_kind] || SHOWN_ONLY[entry.target_kind] || entry.target_kind;
  const name = entry.details.number ? `${title} №\u00a0${entry.details.number}` : title;
  const link = LINKS[entry.target_kind];
  return [
    link ? h("a", { href: link(entry.target_id) }, name) : name,
    entry.details.number ? null : h("span", { class: "cell-sub" }, entry.target_id),
  ];
}

function value(v) {
  if (Array.isArray(v)) return v.join(", ");
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function detailsCell(entry, statuses) {
  const { from, to } = entry.details;
  const titles = entry.target_kind === "connection_application" ? statuses.connection : statuses.cases;
  const lines = [];
  if (from && to && from !== to) lines.push(`Статус: ${titles[from] || from} → ${titles[to] || to}`);
  for (const [key, v] of Object.entries(entry.details)) {
    if (APART.includes(key) || v === "" || v === null || v === undefined) continue;
    if (key === "previous_assignee" && entry.details.previous) continue; // the login says it better
    const shown = key === "kind" ? KINDS[entry.target_kind]?.[v] || v : key === "result" ? ROW_RESULTS[v] || v : value(v);
    lines.push(`${DETAILS[key] || key}: ${shown}`);
  }
  return lines.length ? lines.map((line) => h("span", { class: "cell-sub" }, line)) : "—";
}

function trailTable(items, statuses, caption) {
  return resultsTable({
    caption,
    items,
    empty: "Записей нет.",
    columns: [
      { title: "Время", header: true, cell: (e) => h("time", { class: "nowrap", datetime: e.at }, formatLocalDateTime(e.at)) },
      {
        title: "Сотрудник",
        cell: (e) => [
          h("a", { href: `#/audit?actor_login=${enc(e.actor_login)}` }, e.actor_login),
          h("span", { class: "cell-sub" }, ROLES[e.role] || e.role),
        ],
      },
      { title: "Действие", cell: (e) => actionTitle(e, statuses) },
      { title: "Объект", cell: objectCell },
      { title: "Подробности", cell: (e) => detailsCell(e, statuses) },
    ],
  });
}

async function statusTitles(ctx, items) {
  const cases = {};
  if (items.some((e) => e.target_kind === "appeal" || e.target_kind === "service_request")) {
    const options = await ctx.api.get("/cases/options");
    for (const s of options.statuses) cases[s.code] = s.title;
  }
  return { cases, connection: CONNECTION_STATUSES };
}

export async function auditSection(ctx) {
  const params = ctx.params;
  const kind = params.get("target_kind") || "appeal";
  const byObject = filterForm(ctx, {
    section: "audit",
    label: "Поиск по объекту",
    submit: "Найти",
    controls: [
      selectField({ name: "target_kind", label: "Объект", options: Object.entries(TARGETS), value: kind, size: "narrow" }),
      field({
        name: "target_id",
        label: "Номер или идентификатор",
        required: true,
        value: params.get("target_id") || "",
        hint: "Обращения и заявки — по рег. номеру, например 2026-000123; остальное — по идентификатору",
      }),
    ],
    check: (values) => (values.target_id ? [] : [{ path: "target_id", message: "Укажите номер или идентификатор." }]),
  });
  const byEmployee = filterForm(ctx, {
    section: "audit",
    label: "Поиск по сотруднику",
    submit: "Найти",
    controls: [field({ name: "actor_login", label: "Логин сотрудника", required: true, value: params.get("actor_login") || "", size: "narrow" })],
    check: (values) => (values.actor_login ? [] : [{ path: "actor_login", message: "Укажите логин сотрудника." }]),
  });
  const forms = h(
    "div",
    { class: "stack" },
    h("h2", { class: "card__title" }, "По объекту"),
    byObject,
    h("h2", { class: "card__title" }, "По сотруднику"),
    byEmployee,
  );

  const query = new URLSearchParams({ limit: String(LIMIT) });
  let form = null;
  let subject = "";
  if (params.get("target_id")) {
    query.set("target_kind", kind);
    query.set("target_id", params.get("target_id").replace(/^№/, "").replace(/\s+/g, ""));
    form = byObject;
    const number = BY_NUMBER.includes(kind) && !/^[0-9a-f]{32}$/.test(query.get("target_id"));
    subject = `${TARGETS[kind] || kind} ${number ? "№\u00a0" : ""}${query.get("target_id")}`;
  } else if (params.get("actor_login")) {
    query.set("actor_login", params.get("actor_login"));
    form = byEmployee;
    subject = `Сотрудник ${params.get("actor_login")}`;
  }
  const intro = h("p", { class: "lead" }, "Кто, когда и что изменил: найдите объект или сотрудника. Новые записи сверху.");
  if (!form) return { title: "Журнал действий", body: h("div", { class: "stack" }, intro, forms) };

  let results;
  try {
    const page = await ctx.api.get(`/staff/audit?${query}`);
    const statuses = await statusTitles(ctx, page.items);
    results = h(
      "section",
      { class: "results", "aria-labelledby": "trail-title" },
      h("h2", { id: "trail-title", class: "card__title" }, subject),
      trailTable(page.items, statuses, `Журнал действий: ${subject}`),
      page.items.length >= LIMIT ? h("p", { class: "hint" }, `Показаны последние ${LIMIT} записей.`) : null,
    );
  } catch (error) {
    if (!error.fields?.length && error.status !== 422) throw error;
    showErrors(form, error.message, error.fields || []);
    results = null;
  }
  return { title: "Журнал действий", body: h("div", { class: "stack" }, intro, forms, results) };
}
