// «Запрос доступа к договору»: for someone who cannot prove the contract is theirs and has no invitation
// (a tenant, a relative, a representative, or a holder whose billing record carries no identity). The
// request goes to the company with a document; staff approve or refuse it (chalicelib/metering/
// access_requests.py). The answer never says whether the contract exists: staff check that. Below the
// form, the user's own requests with their status and the reason of a refusal.

import { selectField, textField } from "../cases-common.js";
import { filePicker } from "../uploads.js";
import { checkRequired, clearErrors, field, formAlert, formatDate, formValues, h, setBusy, showErrors } from "../ui.js";
import { RIGHTS } from "./accounts.js";

const RELATIONS = [
  ["holder", "Я владелец договора"],
  ["tenant", "Арендатор (наниматель)"],
  ["relative", "Родственник владельца"],
  ["representative", "Представитель по доверенности"],
  ["other", "Другое"],
];
const STATUS_PILLS = { pending: "pill--info", approved: "pill--ok", refused: "pill--danger" };

function requestForm(ctx) {
  const picker = filePicker({
    api: ctx.api,
    purpose: "access_request",
    name: "files",
    label: "Документы",
    hint: "Доверенность, договор аренды или другой документ, подтверждающий Ваше право. Хотя бы один файл. ",
  });
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Отправить запрос");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      field({ name: "contract_number", label: "Номер договора", required: true, maxlength: "40", hint: "Как в квитанции, например ДЭ-1001" }),
      field({ name: "meter_serial", label: "Заводской номер счётчика", required: true, maxlength: "40", hint: "Любого счётчика по этому договору" }),
      selectField({ name: "relation", label: "Кем Вы приходитесь договору", options: RELATIONS, value: "tenant", required: true }),
      selectField({ name: "right", label: "Какой доступ нужен", options: Object.entries(RIGHTS), value: "submit", required: true }),
    ),
    textField({ name: "comment", label: "Комментарий для сотрудника", max: 1000, rows: 3, hint: "Если нужно: кто владелец, на каком основании Вы пользуетесь объектом" }),
    picker.element,
    h("div", { class: "form__actions" }, button, h("a", { class: "btn btn--ghost", href: "#/accounts" }, "Отмена")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (picker.busy()) problems.push({ path: "files", message: "Дождитесь окончания загрузки файлов." });
    else if (picker.failed()) problems.push({ path: "files", message: "Уберите файлы, которые не загрузились." });
    else if (!picker.ids().length) problems.push({ path: "files", message: "Приложите хотя бы один документ." });
    if (problems.length) return showErrors(form, "Проверьте запрос.", problems);
    clearErrors(form);
    setBusy(button, true, "Отправляем…");
    try {
      const sent = await ctx.api.post("/accounts/access-requests", { ...formValues(form), files: picker.ids() });
      ctx.flash(`Запрос по договору № ${sent.contract_number} отправлен. О решении мы сообщим письмом и в ленте уведомлений.`);
      ctx.navigate("/accounts/request");
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return form;
}

function outcome(item) {
  if (item.status === "approved") {
    return [`Предоставлено: «${RIGHTS[item.granted_right] || item.granted_right}».`, item.reason ? ` ${item.reason}` : ""];
  }
  if (item.status === "refused") return `Причина отказа: ${item.reason}`;
  return "Сотрудник проверит документы и данные владельца договора.";
}

function requestsList(items) {
  if (!items.length) return h("p", { class: "empty" }, "Запросов пока нет.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--stack" },
      h("caption", { class: "visually-hidden" }, "Мои запросы доступа"),
      h(
        "thead",
        {},
        h("tr", {}, ["Договор", "Запрошено", "Статус", "Решение"].map((title) => h("th", { scope: "col" }, title))),
      ),
      h(
        "tbody",
        {},
        items.map((item) =>
          h(
            "tr",
            { dataset: { request: item.id } },
            h("th", { scope: "row" }, `№\u00a0${item.contract_number}`, h("span", { class: "cell-sub" }, `счётчик ${item.meter_serial} · ${formatDate(item.created_at)}`)),
            h("td", { "data-label": "Запрошено" }, RIGHTS[item.right] || item.right),
            h("td", { "data-label": "Статус" }, h("span", { class: `pill ${STATUS_PILLS[item.status] || "pill--muted"}` }, item.status_title)),
            h("td", { "data-label": "Решение" }, outcome(item)),
          ),
        ),
      ),
    ),
  );
}

export async function accessRequestView(ctx) {
  const mine = await ctx.api.get("/accounts/access-requests");
  return h(
    "section",
    { class: "page page--form" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/accounts" }, "Лицевые счета и приборы учёта")),
    h(
      "div",
      { class: "stack" },
      h(
        "div",
        { class: "card" },
        h("h1", { tabindex: "-1" }, "Запрос доступа к договору"),
        h(
          "p",
          { class: "lead" },
          "Если договор оформлен на другого человека или организацию, а приглашения от владельца нет, или Ваши " +
            "данные не удаётся сверить с договором, запросите доступ у сетевой компании. Сотрудник сверит документы " +
            "с данными владельца и сообщит о решении.",
        ),
        h("p", { class: "hint" }, "Быстрее всего — попросить владельца договора пригласить Вас в разделе «Совместный доступ»."),
        requestForm(ctx),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "my-requests-title" },
        h("h2", { id: "my-requests-title", class: "card__title" }, "Мои запросы"),
        requestsList(mine.items),
      ),
    ),
  );
}
