// Staff console «Технологическое присоединение» (connection engineers and administrators): the queue
// with filters by status, category and overdue deadlines (flagged daily by the PP 861 deadline
// watcher, which stages are late shown in the row); an application (a withdrawn one with the
// applicant's reason, and nothing more to do): take it, move it along the
// workflow with a comment (only the steps the card's `transitions` allow; missing documents, ТУ number
// and date, account number where the step needs them), post the company's documents (ТУ, contract,
// answers, acts), answer the applicant's questions.

import { connectionPill, facts, kw, reporter, selectField, textField, timeline } from "../cases-common.js";
import { applicationData, deadlinesTable, historyEntries, messagesList } from "../connection-common.js";
import { CATEGORIES, COMPANY_DOCUMENTS, STATUSES } from "../connection-rules.js";
import { fileList, filePicker } from "../uploads.js";
import { checkRequired, clearErrors, field, formAlert, formatDate, formatDay, formValues, h, setBusy, showErrors } from "../ui.js";
import { filterForm, pagedTable } from "./list.js";
import { handOverForm } from "./handover.js";

const base = "/staff/connection-applications";
const enc = encodeURIComponent;
const PARTIES = { applicant: "Заявитель", company: "Сетевая организация" };
const WHO = { applicant: "заявитель", company: "сотрудник" };

// Hints for the comment of the steps that need one (what the applicant reads in the SMS and the card).
const COMMENT_HINTS = {
  awaiting_documents: "Перечислите недостающие документы: заявитель увидит это в карточке заявки и в SMS",
  annulled: "Укажите причину аннулирования",
  works: "Перечислите замечания, которые заявителю нужно устранить",
};

// The queue's columns; a row links to its application.
const QUEUE_COLUMNS = [
  {
    title: "Заявка",
    header: true,
    cell: (item) => [
      h("a", { class: "nowrap", href: `#/connections/case?id=${enc(item.id)}` }, `№\u00a0${item.number}`),
      h("span", { class: "cell-sub" }, formatDate(item.submitted_at)),
    ],
  },
  { title: "Заявитель", cell: (item) => item.applicant_name },
  { title: "Категория", cell: (item) => [item.category_title, h("span", { class: "cell-sub" }, `${kw(item.total_kw)} · ${item.reason_title}`)] },
  { title: "Статус", cell: (item) => connectionPill(item.status, item.status_title) },
  {
    title: "Ближайший срок",
    cell: (item) => [
      item.next_due ? `до\u00a0${formatDay(item.next_due)}` : "—",
      item.overdue ? h("span", { class: "pill pill--danger pill--inline" }, "Просрочено") : null,
      item.overdue_deadlines.length ? h("span", { class: "cell-sub" }, item.overdue_deadlines.join("; ")) : null,
    ],
  },
  { title: "Исполнитель", cell: (item) => item.assignee_login || h("span", { class: "muted" }, "не назначен") },
];

async function queueView(ctx) {
  const params = ctx.params;
  const form = filterForm(ctx, {
    section: "connections",
    label: "Фильтры очереди",
    controls: [
      selectField({
        name: "status",
        label: "Статус",
        options: [["", "Все в работе"], ...Object.entries(STATUSES).filter(([code]) => code !== "draft")],
        value: params.get("status") || "",
      }),
      selectField({
        name: "category",
        label: "Категория",
        options: [["", "Все"], ...Object.entries(CATEGORIES).map(([code, rule]) => [code, rule.title])],
        value: params.get("category") || "",
      }),
    ],
    checks: [{ name: "overdue", label: "Только с пропущенным сроком" }],
  });

  const query = new URLSearchParams();
  for (const name of ["status", "category"]) if (params.get(name)) query.set(name, params.get(name));
  if (params.get("overdue") === "1") query.set("overdue", "true");
  const list = await pagedTable(ctx, {
    path: base,
    query,
    caption: "Очередь заявок",
    columns: QUEUE_COLUMNS,
    rowClass: (item) => item.overdue && "row--overdue",
    // The overdue filter (the flag the daily watcher stores) is applied per page by the API: a page
    // may bring nothing while more remain.
    empty: (more) => (more ? "Подходящих заявок пока не найдено — покажите ещё." : "Заявок нет."),
  });
  return h("div", { class: "stack" }, form, list);
}

// --- one application ----------------------------------------------------------------------------

function transitionForm(ctx, card, done) {
  if (!card.transitions.length) return null;
  const select = selectField({
    name: "status",
    label: "Новый статус",
    required: true,
    placeholder: "Выберите статус",
    options: card.transitions.map((t) => [t.status, t.title]),
  });
  const control = select.querySelector("select");
  const comment = textField({ name: "comment", label: "Комментарий", max: 1000, rows: 3, hint: "Заявитель увидит его в истории заявки и в уведомлении" });
  const commentArea = comment.querySelector("textarea");
  const tu = h(
    "div",
    { class: "grid", hidden: true },
    field({ name: "technical_conditions.number", label: "Номер технических условий", required: true, size: "narrow" }),
    field({ name: "technical_conditions.date", label: "Дата технических условий", type: "date", required: true, size: "narrow" }),
  );
  const account = h(
    "div",
    { class: "grid", hidden: true },
    field({ name: "account_number", label: "Номер лицевого счёта", required: true, inputmode: "numeric", hint: "4–20 цифр, можно с дефисами" }),
  );
  const commentHint = comment.querySelector(".hint");
  const update = () => {
    const step = card.transitions.find((t) => t.status === control.value);
    const needs = step?.needs || [];
    commentArea.required = needs.includes("comment");
    comment.querySelector(".req")?.remove();
    if (commentArea.required) comment.querySelector("label").append(h("span", { class: "req", "aria-hidden": "true" }, " *"));
    commentHint.textContent = COMMENT_HINTS[control.value] || "Заявитель увидит его в истории заявки и в уведомлении";
    tu.hidden = !needs.includes("tu");
    account.hidden = !needs.includes("account_number");
  };
  control.addEventListener("change", update);
  const button = h("button", { type: "submit", class: "btn" }, "Сменить статус");
  const form = h("form", { class: "form", novalidate: true }, formAlert(), h("div", { class: "grid" }, select), tu, account, comment, h("div", { class: "form__actions" }, button));
  update();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Заполните отмеченные поля.", problems);
    const values = formValues(form);
    const body = { status: values.status, version: card.version };
    if (values.comment) body.comment = values.comment;
    if (values.technical_conditions) body.technical_conditions = values.technical_conditions;
    if (values.account_number) body.account_number = values.account_number;
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      const fresh = await ctx.api.post(`${base}/${enc(card.id)}/status`, body);
      done(`Статус изменён: «${fresh.status_title}».`);
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return h("section", { "aria-labelledby": "transition-title" }, h("h3", { id: "transition-title", class: "subhead" }, "Статус"), form);
}

function companyDocuments(ctx, card, done) {
  const kind = selectField({ name: "kind", label: "Вид документа", options: Object.entries(COMPANY_DOCUMENTS), value: "technical_conditions" });
  const kindSelect = kind.querySelector("select");
  const picker = filePicker({
    api: ctx.api,
    purpose: "company_document",
    name: "upload_ids",
    label: "Файлы документа",
    hint: "Каждый файл сразу появится у заявителя, он получит уведомление. ",
    attach: async (file) => {
      await ctx.api.post(`${base}/${enc(card.id)}/company-documents`, { kind: kindSelect.value, upload_ids: [file.id] });
      done(`Документ «${COMPANY_DOCUMENTS[kindSelect.value]}» размещён.`);
    },
  });
  return h(
    "section",
    { "aria-labelledby": "company-upload-title" },
    h("h3", { id: "company-upload-title", class: "subhead" }, "Разместить документ"),
    h("div", { class: "form" }, h("div", { class: "grid" }, kind), picker.element),
  );
}

function answerForm(ctx, card, done) {
  const button = h("button", { type: "submit", class: "btn" }, "Ответить");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    textField({ name: "text", label: "Ответ заявителю", required: true, max: 1000, rows: 3 }),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Напишите ответ.", problems);
    clearErrors(form);
    setBusy(button, true, "Отправляем…");
    try {
      await ctx.api.post(`${base}/${enc(card.id)}/messages`, formValues(form));
      done("Ответ отправлен заявителю.");
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return form;
}

async function applicationView(ctx) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указана заявка.");
  const card = await ctx.api.get(`${base}/${enc(id)}`);
  const { element: notice, report } = reporter();
  const done = (message) => {
    ctx.flash(message);
    ctx.navigate(`/connections/case?id=${enc(card.id)}`);
  };
  const docPath = (doc) => `${base}/${enc(card.id)}/documents/${enc(doc.id)}/download`;
  const named = (docs) => docs.map((d) => ({ ...d, name: `${d.kind_title}: ${d.name}` }));
  const open = !["closed", "annulled", "withdrawn"].includes(card.status);
  const withdrawal = card.status === "withdrawn" ? [...card.history].reverse().find((e) => e.status === "withdrawn") : null;
  const mine = card.assignee_login === ctx.staff.login;

  // Taking over a colleague's application is for administrators (the API refuses others).
  let take = null;
  if (open && !mine && (!card.assignee_login || ctx.staff.role === "admin")) {
    take = h("button", { type: "button", class: "btn btn--primary" }, card.assignee_login ? "Взять на себя" : "Взять в работу");
    take.addEventListener("click", async () => {
      setBusy(take, true, "Берём…");
      try {
        await ctx.api.post(`${base}/${enc(card.id)}/take`);
        done("Заявка назначена на Вас.");
      } catch (error) {
        setBusy(take, false);
        report(error.message, "error");
      }
    });
  }
  const handOver = open && card.status !== "draft"
    ? await handOverForm(ctx, { queue: "connection", path: `${base}/${enc(card.id)}`, assignee: card.assignee_login, done })
    : null;
  const a = card.applicant;
  const name = card.applicant_kind === "person" ? [a.last_name, a.first_name, a.middle_name].filter(Boolean).join(" ") : a.short_name;

  return {
    title: `Заявка № ${card.number}`,
    body: h(
      "div",
      { class: "stack" },
      h("p", { class: "breadcrumbs" }, h("a", { href: "#/connections" }, "← К очереди")),
      h(
        "p",
        { class: "meter__pills" },
        connectionPill(card.status, card.status_title),
        card.deadlines.some((d) => d.overdue) ? h("span", { class: "pill pill--danger" }, "Есть пропущенный срок") : null,
      ),
      notice,
      withdrawal
        ? h("div", { class: "notice", role: "note" }, h("strong", {}, "Заявитель отозвал заявку. "), `Причина: ${withdrawal.comment}`)
        : null,
      facts([
        ["Заявитель", name],
        ["Категория", card.category_title],
        ["В связи с", card.reason_title],
        ["Подана", formatDate(card.submitted_at)],
        ["Объект", card.object_address],
        ["Общая максимальная мощность", kw(card.total_kw)],
        ["Технические условия", card.technical_conditions ? `№ ${card.technical_conditions.number} от ${formatDay(card.technical_conditions.date)}` : null],
        ["Лицевой счёт", card.account_number],
        ["Исполнитель", card.assignee_login ? (mine ? `${card.assignee_login} (Вы)` : card.assignee_login) : "не назначен"],
      ]),
      h(
        "section",
        { class: "card card--muted", "aria-labelledby": "actions-title" },
        h("h2", { id: "actions-title", class: "card__title" }, "Действия"),
        take ? h("div", { class: "form__actions" }, take) : null,
        transitionForm(ctx, card, done) || h("p", { class: "hint" }, "Заявка закрыта: статус больше не меняется."),
        companyDocuments(ctx, card, done),
        handOver,
      ),
      h("section", { "aria-labelledby": "deadlines-title" }, h("h2", { id: "deadlines-title", class: "card__title" }, "Сроки"), deadlinesTable(card.deadlines, PARTIES)),
      h(
        "section",
        { "aria-labelledby": "docs-title" },
        h("h2", { id: "docs-title", class: "card__title" }, "Документы заявителя"),
        fileList(ctx.api, named(card.documents), docPath, { empty: "Документов нет." }),
        h("h2", { class: "card__title subhead" }, "Документы сетевой организации"),
        fileList(ctx.api, named(card.company_documents), docPath, { empty: "Пока не размещены." }),
      ),
      h(
        "section",
        { "aria-labelledby": "questions-title" },
        h("h2", { id: "questions-title", class: "card__title" }, "Вопросы заявителя"),
        messagesList(card.messages, { applicant: "Заявитель", company: "Сетевая организация" }),
        answerForm(ctx, card, done),
      ),
      h("section", { "aria-labelledby": "history-title" }, h("h2", { id: "history-title", class: "card__title" }, "История"), timeline(historyEntries(card, WHO))),
      h("details", { class: "more" }, h("summary", {}, "Данные заявки"), applicationData(card)),
    ),
  };
}

export async function connectionSection(ctx, sub) {
  if (sub === "case") return applicationView(ctx);
  return { title: "Технологическое присоединение", body: await queueView(ctx) };
}
