// Staff console «Обращения» and «Заявки на услуги» (operators and administrators): the queue by status
// with filters by type and overdue, search by number; a case: the steps the card's `transitions` list
// for this employee (take it, answer with the company's files, refuse or close with a comment) — the
// workflow itself lives in the API (chalicelib/appeals/rules.py staff_steps), not here.

import { CASE_KINDS, casePill, dueText, facts, reporter, selectField, textField, timeline } from "../cases-common.js";
import { fileList, filePicker } from "../uploads.js";
import {
  checkRequired,
  clearErrors,
  field,
  formAlert,
  formatDate,
  formatPhone,
  formValues,
  h,
  setBusy,
  showErrors,
} from "../ui.js";
import { filterForm, pagedTable } from "./list.js";
import { handOverForm } from "./handover.js";

// Cases that can still be handed to a colleague (the API's open statuses).
const OPEN = ["submitted", "in_progress"];

// Button colours by the status a step leads to (the steps themselves come from the card).
const STEP_BUTTONS = { rejected: "btn--danger" };

const enc = encodeURIComponent;

// The queue's columns; a row links to its case.
function queueColumns(section) {
  return [
    {
      title: "Номер",
      header: true,
      cell: (item) => [
        h("a", { class: "nowrap", href: `#/${section}/case?id=${enc(item.id)}` }, `№\u00a0${item.number}`),
        h("span", { class: "cell-sub" }, formatDate(item.created_at)),
      ],
    },
    { title: "Вид и тема", label: "Вид", cell: (item) => [item.type_title, item.kind === "appeal" ? h("span", { class: "cell-sub" }, item.topic) : null] },
    { title: "Статус", cell: (item) => casePill(item.status, item.status_title) },
    { title: "Срок", cell: (item) => (item.archived ? "—" : dueText(item.due_on, item.overdue)) },
    { title: "Исполнитель", cell: (item) => item.assignee?.login || h("span", { class: "muted" }, "не назначен") },
  ];
}

async function queueView(ctx, kind, section) {
  const { api: path } = CASE_KINDS[kind];
  const options = await ctx.api.get("/cases/options");
  const types = kind === "appeal" ? options.appeal_types : options.service_types;
  const params = ctx.params;
  const status = params.get("status") || "submitted";

  const form = filterForm(ctx, {
    section,
    label: "Фильтры очереди",
    controls: [
      selectField({ name: "status", label: "Статус", options: options.statuses.map((s) => [s.code, s.title]), value: status, size: "narrow" }),
      selectField({ name: "type", label: "Вид", options: [["", "Все"], ...types.map((t) => [t.code, t.title])], value: params.get("type") || "", size: "large" }),
      field({ name: "number", label: "Найти по номеру", value: params.get("number") || "", hint: "Например, 2026-000123 или 123", size: "narrow" }),
    ],
    checks: [{ name: "overdue", label: "Только просроченные" }],
  });

  const query = new URLSearchParams({ status });
  for (const name of ["type", "number"]) if (params.get(name)) query.set(name, params.get(name));
  if (params.get("overdue") === "1") query.set("overdue", "true");
  let list = null;
  try {
    list = await pagedTable(ctx, {
      path: `/staff/${path}`,
      query,
      caption: "Очередь",
      columns: queueColumns(section),
      rowClass: (item) => item.overdue && "row--overdue",
      empty: () => (params.get("number") ? "Не найдено." : "Очередь пуста."),
    });
  } catch (err) {
    // A malformed number comes back as a field error: show it at the field.
    if (err.fields?.length) showErrors(form, err.message, err.fields);
    else throw err;
  }
  return h("div", { class: "stack" }, form, list);
}

// --- one case ---------------------------------------------------------------------------------

// The card's status steps (`action: "status"`): one comment for the applicant and a button per step.
function statusForm(ctx, kind, card, steps, done) {
  if (!steps.length) return null;
  const needComment = steps.filter((s) => s.needs.includes("comment")).map((s) => `«${s.title}»`);
  const buttons = steps.map((step) =>
    h("button", { type: "submit", class: `btn ${STEP_BUTTONS[step.status] || ""}`.trim(), name: "step", value: step.status }, step.title),
  );
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    textField({
      name: "comment",
      label: "Комментарий для заявителя",
      max: 1000,
      rows: 3,
      hint: `Придёт заявителю в SMS и в ленту.${needComment.length ? ` Для ${needComment.join(", ")} обязателен: укажите причину` : ""}`,
    }),
    h("div", { class: "form__actions" }, buttons),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const step = steps.find((s) => s.status === event.submitter?.value) || steps[0];
    const { comment } = formValues(form);
    if (step.needs.includes("comment") && !comment) {
      return showErrors(form, `Укажите причину: без неё «${step.title}» не выполнить.`, [
        { path: "comment", message: "Причина придёт заявителю" },
      ]);
    }
    clearErrors(form);
    const button = buttons[steps.indexOf(step)];
    setBusy(button, true, "Сохраняем…");
    try {
      const fresh = await ctx.api.post(`/staff/${CASE_KINDS[kind].api}/${enc(card.id)}/status`, { status: step.status, comment });
      done(`Статус изменён: «${fresh.status_title}».`);
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return h("section", { "aria-labelledby": "status-title" }, h("h3", { id: "status-title", class: "subhead" }, "Статус"), form);
}

function answerForm(ctx, kind, card, done) {
  const picker = filePicker({
    api: ctx.api,
    purpose: "company_document",
    name: "attachments",
    label: "Файлы ответа",
    hint: "Письмо, акт, фото — если нужно. ",
  });
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Отправить ответ");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    textField({ name: "text", label: "Ответ", required: true, max: 1000, rows: 6, hint: "Заявитель увидит ответ в личном кабинете и получит SMS" }),
    picker.element,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (picker.busy()) problems.push({ path: "attachments", message: "Дождитесь окончания загрузки файлов." });
    if (picker.failed()) problems.push({ path: "attachments", message: "Уберите файлы, которые не загрузились." });
    if (problems.length) return showErrors(form, "Проверьте ответ.", problems);
    clearErrors(form);
    setBusy(button, true, "Отправляем…");
    try {
      await ctx.api.post(`/staff/${CASE_KINDS[kind].api}/${enc(card.id)}/answer`, { text: formValues(form).text, attachments: picker.ids() });
      done("Ответ отправлен заявителю.");
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return h("section", { "aria-labelledby": "answer-form-title" }, h("h3", { id: "answer-form-title", class: "subhead" }, "Ответ заявителю"), form);
}

async function caseView(ctx, kind, section) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указано обращение.");
  const { api: path } = CASE_KINDS[kind];
  const card = await ctx.api.get(`/staff/${path}/${enc(id)}`);
  const filePath = (file) => `/staff/${path}/${enc(card.id)}/files/${enc(file.id)}`;
  const { element: notice, report } = reporter();
  const done = (message) => {
    ctx.flash(message);
    ctx.navigate(`/${section}/case?id=${enc(card.id)}`);
  };
  const mine = card.assignee?.user_id === ctx.staff.id;
  const appeal = kind === "appeal";

  // What this employee may do now: exactly the card's steps (the API refuses any other).
  const steps = card.transitions;
  const takeStep = steps.find((s) => s.action === "take");
  const answerStep = steps.find((s) => s.action === "answer");
  let take = null;
  if (takeStep) {
    take = h("button", { type: "button", class: "btn btn--primary" }, takeStep.title);
    take.addEventListener("click", async () => {
      setBusy(take, true, "Берём…");
      try {
        await ctx.api.post(`/staff/${path}/${enc(card.id)}/take`);
        done(appeal ? "Обращение назначено на Вас." : "Заявка назначена на Вас.");
      } catch (error) {
        setBusy(take, false);
        report(error.message, "error");
      }
    });
  }

  const actions = [
    take ? h("div", { class: "form__actions" }, take) : null,
    answerStep ? answerForm(ctx, kind, card, done) : null,
    // Taking a new case puts it in work, and then it can be answered.
    !answerStep && takeStep && takeStep.status !== card.status
      ? h("p", { class: "hint" }, `Ответить можно после того, как ${appeal ? "обращение взято" : "заявка взята"} в работу.`)
      : null,
    statusForm(ctx, kind, card, steps.filter((s) => s.action === "status"), done),
    OPEN.includes(card.status)
      ? await handOverForm(ctx, { queue: appeal ? "appeals" : "service_requests", path: `/staff/${path}/${enc(card.id)}`, assignee: card.assignee?.user_id, done })
      : null,
  ].filter(Boolean);
  if (!actions.length) {
    actions.push(h("p", { class: "hint" }, card.archived ? "Рассмотрение завершено: действий больше нет." : "Действий нет."));
  }

  return {
    title: `${appeal ? "Обращение" : "Заявка"} № ${card.number}`,
    body: h(
      "div",
      { class: "stack" },
      h("p", { class: "breadcrumbs" }, h("a", { href: `#/${section}` }, "← К очереди")),
      h(
        "p",
        { class: "meter__pills" },
        casePill(card.status, card.status_title),
        card.overdue ? h("span", { class: "pill pill--danger" }, "Срок рассмотрения истёк") : null,
      ),
      notice,
      facts([
        ["Заявитель", `${card.applicant.name}, ${card.applicant.email}`],
        ["Телефон для связи", formatPhone(card.contact_phone)],
        ["Вид", card.type_title],
        ["Кому", card.addressee],
        ["Адрес объекта", card.address?.text],
        ["Тема", appeal ? card.topic : null],
        ["Поступило", formatDate(card.created_at)],
        ["Срок рассмотрения", card.archived ? null : dueText(card.due_on, card.overdue)],
        ["Исполнитель", card.assignee ? (mine ? `${card.assignee.login} (Вы)` : card.assignee.login) : "не назначен"],
      ]),
      h("h2", { class: "card__title" }, "Текст"),
      h("p", { class: "prose" }, card.text),
      h("h2", { class: "card__title" }, "Файлы заявителя"),
      fileList(ctx.api, card.files, filePath, { empty: "Файлы не прикладывались." }),
      card.answer
        ? h(
            "section",
            { class: "card card--answer", "aria-labelledby": "answer-title" },
            h("h2", { id: "answer-title", class: "card__title" }, `Ответ от ${formatDate(card.answer.answered_at)}`),
            h("p", { class: "prose" }, card.answer.text),
            card.answer.files.length ? fileList(ctx.api, card.answer.files, filePath) : null,
          )
        : null,
      h("section", { class: "card card--muted", "aria-labelledby": "actions-title" }, h("h2", { id: "actions-title", class: "card__title" }, "Действия"), actions),
      h(
        "section",
        { "aria-labelledby": "history-title" },
        h("h2", { id: "history-title", class: "card__title" }, "История"),
        timeline(card.history.map((e) => ({ at: e.at, title: e.status_title, comment: e.comment, who: e.by_company ? "сотрудник" : "заявитель" }))),
      ),
    ),
  };
}

function caseSection(kind, section, title) {
  return async (ctx, sub) => {
    if (sub === "case") return caseView(ctx, kind, section);
    return { title, body: await queueView(ctx, kind, section) };
  };
}

export const appealsSection = caseSection("appeal", "appeals", "Обращения");
export const serviceRequestsSection = caseSection("service_request", "service-requests", "Заявки на услуги");
