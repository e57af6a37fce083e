// «Технологическое присоединение» (seeds 000–003): my applications, an application's card (status,
// history, PP 861 deadlines with the overdue ones flagged, the company's documents, missing documents
// with «Завершить загрузку», «Сообщить о готовности», questions to a specialist, deleting a draft,
// withdrawing a submitted application with a reason), and two public pages: «Проверить заявку»
// (number plus ФИО, surname or organisation name; seed 002 §4.6.4) and the cost calculator.

import { connectionPill, dueText, facts, kw, reporter, selectField, textField, timeline } from "../cases-common.js";
import { applicationData, deadlinesTable, historyEntries, messagesList } from "../connection-common.js";
import { DOCUMENTS, RELIABILITY, voltageTitle, VOLTAGES } from "../connection-rules.js";
import { fileList, filePicker } from "../uploads.js";
import {
  checkRequired,
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatDate,
  formatDay,
  formValues,
  h,
  holdFor,
  setBusy,
  showErrors,
  statusLine,
} from "../ui.js";
import { wizardHref } from "./connection-wizard.js";

const base = "/connection-applications";
const enc = encodeURIComponent;
const cardHref = (id) => `#/connection/application?id=${enc(id)}`;

function sectionLinks(current) {
  const links = [
    ["#/connection", "Мои заявки", "list"],
    ["#/connection/calculator", "Калькулятор", "calculator"],
    ["#/connection/check", "Проверить заявку", "check"],
  ];
  return h(
    "nav",
    { class: "tabs", "aria-label": "Технологическое присоединение" },
    links.map(([href, text, code]) => h("a", { href, class: "tabs__tab", "aria-current": code === current ? "page" : false }, text)),
  );
}

// The public pages for a visitor without a session: the other public page and the way in.
function guestLinks(current) {
  return h(
    "ul",
    { class: "links page-links" },
    current === "check" ? null : h("li", {}, h("a", { href: "#/connection/check" }, "Проверить заявку")),
    current === "calculator" ? null : h("li", {}, h("a", { href: "#/connection/calculator" }, "Калькулятор стоимости")),
    h("li", {}, h("a", { href: `#/login?next=${enc("/connection/new")}` }, "Войти, чтобы подать заявку")),
  );
}

// --- my applications ------------------------------------------------------------------------------

function applicationsTable(items) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--stack" },
      h("caption", { class: "visually-hidden" }, "Заявки на технологическое присоединение"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Заявка", "Вид", "Объект", "Мощность", "Статус"].map((t) => h("th", { scope: "col" }, t)),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Действия")),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((item) => {
          const draft = item.status === "draft";
          return h(
            "tr",
            {},
            h(
              "th",
              { scope: "row" },
              h("a", { href: cardHref(item.id) }, draft ? "Черновик" : `№ ${item.number}`),
              h("span", { class: "cell-sub" }, draft ? `создан ${formatDate(item.created_at)}` : `подана ${formatDate(item.submitted_at)}`),
            ),
            h("td", { "data-label": "Вид" }, item.category_title, h("span", { class: "cell-sub" }, item.reason_title)),
            h("td", { "data-label": "Объект" }, item.object_address || "—"),
            h("td", { class: "num", "data-label": "Мощность" }, kw(item.total_kw)),
            h(
              "td",
              { "data-label": "Статус" },
              connectionPill(item.status, item.status_title),
              item.technical_conditions
                ? h("span", { class: "cell-sub" }, `ТУ № ${item.technical_conditions.number} от ${formatDay(item.technical_conditions.date)}`)
                : null,
              item.account_number ? h("span", { class: "cell-sub" }, `Лицевой счёт ${item.account_number}`) : null,
            ),
            h(
              "td",
              { class: "cell-action" },
              draft ? h("a", { class: "btn btn--small", href: wizardHref(item.id, "kind") }, "Продолжить заполнение") : null,
            ),
          );
        }),
      ),
    ),
  );
}

export async function connectionListView(ctx) {
  const { items } = await ctx.api.get(base);
  return h(
    "section",
    { class: "page" },
    h("h1", { tabindex: "-1" }, "Технологическое присоединение"),
    h(
      "p",
      { class: "lead" },
      "Заявки на присоединение к электрическим сетям: подача, ход рассмотрения, документы сетевой организации. " +
        "Черновик можно заполнять постепенно — он сохраняется на каждом шаге.",
    ),
    h("div", { class: "form__actions page-actions" }, h("a", { class: "btn btn--primary", href: "#/connection/new" }, "Подать заявку")),
    sectionLinks("list"),
    h(
      "section",
      { class: "card", "aria-label": "Мои заявки" },
      items.length ? applicationsTable(items) : h("p", { class: "empty" }, "Заявок пока нет. Оценить стоимость присоединения можно в калькуляторе."),
    ),
  );
}

// --- the card -------------------------------------------------------------------------------------

// «Направить недостающие документы» (seed 001): any number of files, each added to the application as
// soon as it is uploaded (the list updates in place, so several uploads can run at once), then
// «Завершить загрузку» locks the set and sends the application back to checking.
function missingDocuments(ctx, card, reload, report) {
  const request = [...card.history].reverse().find((e) => e.status === "awaiting_documents");
  const due = card.deadlines.find((d) => d.code === "documents");
  const kind = selectField({ name: "kind", label: "Какой это документ", options: Object.entries(DOCUMENTS), value: "other" });
  const kindSelect = kind.querySelector("select");
  const list = h("ul", { class: "files-list" });
  const none = h("p", { class: "hint" }, "Файлы ещё не загружены.");
  const complete = h("button", { type: "button", class: "btn btn--primary" }, "Завершить загрузку");

  const show = (documents) => {
    const current = documents.filter((d) => d.editable);
    list.replaceChildren(
      ...current.map((doc) => {
        const remove = h("button", { type: "button", class: "btn btn--link", "aria-label": `Удалить ${doc.name}` }, "Удалить");
        remove.addEventListener("click", async () => {
          setBusy(remove, true);
          try {
            await ctx.api.delete(`${base}/${enc(card.id)}/documents/${enc(doc.id)}`);
            await refresh();
          } catch (error) {
            setBusy(remove, false);
            report(error.message, "error");
          }
        });
        return h("li", { class: "files-list__item" }, h("span", { class: "files-list__name" }, doc.name), h("span", { class: "files-list__meta" }, doc.kind_title), remove);
      }),
    );
    list.hidden = !current.length;
    none.hidden = Boolean(current.length);
    complete.disabled = !current.length;
  };
  const refresh = async () => show((await ctx.api.get(`${base}/${enc(card.id)}`)).documents);

  const picker = filePicker({
    api: ctx.api,
    purpose: "connection_application",
    name: "upload_ids",
    label: "Файлы",
    hint: "Можно загружать по одному или несколько сразу. ",
    attach: async (file) => {
      const fresh = await ctx.api.post(`${base}/${enc(card.id)}/documents`, { kind: kindSelect.value, upload_ids: [file.id] });
      show(fresh.documents);
    },
  });
  complete.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: "Завершить загрузку?",
      text: "Загруженные файлы будут переданы в сетевую организацию, и заявка вернётся на проверку. Добавить файлы после этого будет нельзя.",
      confirm: "Завершить загрузку",
      cancel: "Отмена",
    });
    if (!yes) return;
    setBusy(complete, true, "Передаём…");
    try {
      await ctx.api.post(`${base}/${enc(card.id)}/documents/complete`);
      reload("Документы переданы. Заявка возвращена на проверку.");
    } catch (error) {
      setBusy(complete, false);
      report(error.message, "error");
    }
  });
  show(card.documents);

  return h(
    "section",
    { class: "card card--warn", "aria-labelledby": "missing-title" },
    h("h2", { id: "missing-title", class: "card__title" }, "Направьте недостающие документы"),
    h(
      "div",
      { class: "form" },
      request?.comment ? h("p", { class: "prose" }, h("strong", {}, "Сетевая организация: "), request.comment) : null,
      due ? h("p", { class: "prose" }, "Срок — ", dueText(due.due, due.overdue), ". Если документы не поступят, заявка может быть аннулирована.") : null,
      h("div", { class: "grid" }, kind),
      picker.element,
      h("div", {}, h("h3", { class: "subhead subhead--flush" }, "Загружено в этот раз"), list, none),
      h("p", { class: "hint" }, "Когда загрузите все файлы, нажмите «Завершить загрузку»: заявка вернётся на проверку."),
      h("div", { class: "form__actions" }, complete),
    ),
  );
}

function readinessCard(ctx, card, reload, report) {
  const button = h("button", { type: "button", class: "btn btn--primary" }, "Сообщить о готовности");
  button.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: "Сообщить о готовности?",
      text: "Подтверждаю, что технические условия с моей стороны выполнены и энергопринимающие устройства готовы к присоединению. Сетевая организация назначит проверку.",
      confirm: "Подтверждаю",
      cancel: "Отмена",
    });
    if (!yes) return;
    setBusy(button, true, "Отправляем…");
    try {
      await ctx.api.post(`${base}/${enc(card.id)}/readiness`, { confirm: true });
      reload("Сетевая организация получила Ваше сообщение о готовности.");
    } catch (error) {
      setBusy(button, false);
      report(error.message, "error");
    }
  });
  return h(
    "section",
    { class: "card card--warn", "aria-labelledby": "ready-title" },
    h("h2", { id: "ready-title", class: "card__title" }, "Технические условия выполнены?"),
    h("p", {}, "Когда мероприятия по техническим условиям с Вашей стороны выполнены, сообщите об этом сетевой организации."),
    h("div", { class: "form__actions" }, button),
  );
}

// «Удалить черновик»: the draft and its files go; the list is shown again.
function deleteDraftButton(ctx, card, report) {
  const button = h("button", { type: "button", class: "btn btn--danger" }, "Удалить черновик");
  button.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: "Удалить черновик?",
      text: "Черновик и приложенные к нему файлы будут удалены. Восстановить их будет нельзя.",
      confirm: "Удалить",
      cancel: "Отмена",
      danger: true,
    });
    if (!yes) return;
    setBusy(button, true, "Удаляем…");
    try {
      await ctx.api.delete(`${base}/${enc(card.id)}`);
      ctx.flash("Черновик удалён.");
      ctx.navigate("/connection");
    } catch (error) {
      setBusy(button, false);
      report(error.message, "error");
    }
  });
  return button;
}

// «Отозвать заявку» (until the contract is concluded): the reason is asked in the dialog and goes to
// the history and to the specialist.
function withdrawCard(ctx, card, reload, report) {
  const button = h("button", { type: "button", class: "btn btn--danger" }, "Отозвать заявку");
  button.addEventListener("click", async () => {
    const reason = textField({ name: "reason", label: "Причина отзыва", required: true, max: 1000, rows: 3 });
    const area = reason.querySelector("textarea");
    const yes = await confirmDialog({
      title: "Отозвать заявку?",
      text: h("div", {}, h("p", {}, "Рассмотрение заявки будет прекращено, возобновить его будет нельзя — только подать новую заявку."), reason),
      confirm: "Отозвать заявку",
      cancel: "Не отзывать",
      danger: true,
    });
    if (!yes) return;
    if (!area.value.trim()) {
      report("Заявка не отозвана: укажите причину отзыва.", "error");
      return;
    }
    setBusy(button, true, "Отзываем…");
    try {
      await ctx.api.post(`${base}/${enc(card.id)}/withdraw`, { reason: area.value.trim() });
      reload("Заявка отозвана. Сетевая организация получила уведомление.");
    } catch (error) {
      setBusy(button, false);
      report(error.message, "error");
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "withdraw-title" },
    h("h2", { id: "withdraw-title", class: "card__title" }, "Отзыв заявки"),
    h("p", {}, "До заключения договора заявку можно отозвать, указав причину."),
    h("div", { class: "form__actions" }, button),
  );
}

function questionForm(ctx, card, reload) {
  const button = h("button", { type: "submit", class: "btn" }, "Отправить вопрос");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    textField({ name: "text", label: "Ваш вопрос", required: true, max: 1000, rows: 3 }),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Напишите вопрос.", problems);
    clearErrors(form);
    setBusy(button, true, "Отправляем…");
    try {
      await ctx.api.post(`${base}/${enc(card.id)}/messages`, formValues(form));
      reload("Вопрос отправлен. Ответ специалиста появится здесь, о нём придёт уведомление.");
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return form;
}

export async function connectionCardView(ctx) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указана заявка. Откройте её из списка заявок.");
  const card = await ctx.api.get(`${base}/${enc(id)}`);
  const { element: notice, report } = reporter();
  // After a status-changing action the page is drawn again from the fresh card, the result on top.
  const reload = (message) => {
    ctx.flash(message);
    ctx.navigate(`/connection/application?id=${enc(id)}`);
  };
  const draft = card.status === "draft";
  const docPath = (doc) => `${base}/${enc(card.id)}/documents/${enc(doc.id)}/download`;
  const actions = new Set(card.actions);

  return h(
    "section",
    { class: "page page--medium" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/connection" }, "Технологическое присоединение")),
    h("h1", { tabindex: "-1" }, draft ? "Черновик заявки" : `Заявка № ${card.number}`),
    h("p", { class: "meter__pills meter__pills--lead" }, connectionPill(card.status, card.status_title), card.deadlines.some((d) => d.overdue) ? h("span", { class: "pill pill--danger" }, "Есть пропущенный срок") : null),
    notice,
    h(
      "div",
      { class: "stack" },
      draft
        ? h(
            "section",
            { class: "card card--warn" },
            h("h2", { class: "card__title" }, "Заявка ещё не отправлена"),
            h("p", {}, "Черновик можно изменять, пока он не отправлен. ", card.problems.length ? "Остались незаполненные поля или документы." : "Всё заполнено — проверьте и отправьте."),
            h(
              "div",
              { class: "form__actions" },
              h("a", { class: "btn btn--primary", href: wizardHref(card.id, card.problems.length ? "kind" : "preview") }, "Продолжить заполнение"),
              actions.has("delete") ? deleteDraftButton(ctx, card, report) : null,
            ),
          )
        : null,
      actions.has("complete_documents") ? missingDocuments(ctx, card, reload, report) : null,
      actions.has("report_readiness") ? readinessCard(ctx, card, reload, report) : null,
      h(
        "section",
        { class: "card", "aria-labelledby": "summary-title" },
        h("h2", { id: "summary-title", class: "card__title" }, "Сведения"),
        facts([
          ["Категория", card.category_title],
          ["В связи с", card.reason_title],
          ["Подана", card.submitted_at ? formatDate(card.submitted_at) : null],
          ["Ориентировочный срок рассмотрения", card.estimated_review_due ? `до ${formatDay(card.estimated_review_due)}` : null],
          ["Объект", card.object_address],
          ["Общая максимальная мощность", card.total_kw !== null ? kw(card.total_kw) : null],
          ["Технические условия", card.technical_conditions ? `№ ${card.technical_conditions.number} от ${formatDay(card.technical_conditions.date)}` : null],
          ["Лицевой счёт", card.account_number],
        ]),
      ),
      draft
        ? null
        : h(
            "section",
            { class: "card", "aria-labelledby": "deadlines-title" },
            h("h2", { id: "deadlines-title", class: "card__title" }, "Сроки"),
            h("p", { class: "hint" }, "По Правилам технологического присоединения (постановление Правительства РФ № 861), в рабочих днях или месяцах."),
            deadlinesTable(card.deadlines, { applicant: "Вы", company: "Сетевая организация" }),
          ),
      draft
        ? null
        : h(
            "section",
            { class: "card", "aria-labelledby": "company-docs-title" },
            h("h2", { id: "company-docs-title", class: "card__title" }, "Документы сетевой организации"),
            fileList(ctx.api, card.company_documents.map((d) => ({ ...d, name: `${d.kind_title}: ${d.name}` })), docPath, {
              empty: "Здесь появятся технические условия, договор и ответы сетевой организации.",
            }),
          ),
      h(
        "section",
        { class: "card", "aria-labelledby": "my-docs-title" },
        h("h2", { id: "my-docs-title", class: "card__title" }, "Мои документы"),
        fileList(ctx.api, card.documents.map((d) => ({ ...d, name: `${d.kind_title}: ${d.name}` })), docPath, { empty: "Документы не приложены." }),
      ),
      draft
        ? null
        : h(
            "section",
            { class: "card", "aria-labelledby": "questions-title" },
            h("h2", { id: "questions-title", class: "card__title" }, "Вопросы специалисту"),
            messagesList(card.messages, { applicant: "Вы", company: "Специалист" }),
            actions.has("ask") ? questionForm(ctx, card, reload) : null,
          ),
      draft
        ? null
        : h(
            "section",
            { class: "card", "aria-labelledby": "history-title" },
            h("h2", { id: "history-title", class: "card__title" }, "История"),
            timeline(historyEntries(card, { applicant: "Вы", company: "сетевая организация" })),
          ),
      actions.has("withdraw") ? withdrawCard(ctx, card, reload, report) : null,
      h(
        "details",
        { class: "card more" },
        h("summary", {}, "Данные заявки"),
        applicationData(card),
      ),
    ),
  );
}

// --- public: check an application ----------------------------------------------------------------

export function checkView(ctx) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Проверить");
  const wait = statusLine();
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "grid grid--single" },
      field({ name: "number", label: "Номер заявки", required: true, hint: "Например, 2026-11-23-1-1" }),
      field({
        name: "name",
        label: "ФИО или наименование организации",
        required: true,
        hint: "Как в заявке: фамилия или ФИО полностью; для организации — краткое или полное наименование",
      }),
    ),
    wait,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Укажите номер заявки и ФИО (наименование организации).", problems);
    clearErrors(form);
    setBusy(button, true, "Проверяем…");
    try {
      const query = new URLSearchParams(formValues(form));
      const found = await ctx.api.get(`/public/connection-applications/status?${query}`, { auth: false });
      setBusy(button, false);
      result.replaceChildren(
        h(
          "section",
          { class: "card", "aria-labelledby": "found-title" },
          h("h2", { id: "found-title", class: "card__title" }, `Заявка № ${found.number}`),
          facts([
            ["Статус", connectionPill(found.status, found.status_title)],
            ["В связи с", found.reason_title],
            ["Тип заявки", found.category_title],
            ["Подана", formatDay(found.submitted_on)],
            ["Последнее изменение", formatDay(found.updated_on)],
          ]),
          h("p", { class: "hint" }, ctx.user ? "Подробности — в карточке заявки в разделе «Мои заявки»." : "Подробности, документы и вопросы специалисту — в личном кабинете заявителя."),
        ),
      );
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
      if (error.status === 429 && error.retryAfter) holdFor(button, wait, error.retryAfter, "Повторить проверку можно через");
    }
  });
  return h(
    "section",
    { class: "page page--medium" },
    h("h1", { tabindex: "-1" }, "Проверить заявку"),
    h("p", { class: "lead" }, "Статус заявки на технологическое присоединение по её номеру — без входа в личный кабинет."),
    ctx.user ? sectionLinks("check") : guestLinks("check"),
    h("div", { class: "stack" }, h("section", { class: "card", "aria-label": "Поиск заявки" }, form), result),
  );
}

// --- public: the calculator ---------------------------------------------------------------------

// "365087.44" → «365 087,44 ₽»
function rub(value) {
  const [whole, fraction = "00"] = String(value).split(".");
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0")},${fraction.padEnd(2, "0")}\u00a0₽`;
}

const quantity = (value) => String(value).replace(".", ",");

function calculatorResult(r) {
  const p = r.preferential;
  return h(
    "section",
    { class: "card", "aria-labelledby": "estimate-title" },
    h("h2", { id: "estimate-title", class: "card__title" }, "Ориентировочная стоимость"),
    r.rates_outdated
      ? h("div", { class: "notice" }, `Ставки на текущий год ещё не утверждены: расчёт по ставкам ${r.rates_year} года.`)
      : null,
    h(
      "dl",
      { class: "figures estimate" },
      h("div", {}, h("dt", {}, "По стандартизированным тарифным ставкам"), h("dd", { class: "figures__main" }, rub(r.standardised.total_with_vat)), h("dd", { class: "hint" }, `без НДС ${rub(r.standardised.total)}`)),
      h("div", {}, h("dt", {}, "По ставке за 1 кВт максимальной мощности"), h("dd", { class: "figures__main" }, rub(r.per_kw.total_with_vat)), h("dd", { class: "hint" }, `ставка ${rub(r.per_kw.rate)} за кВт без НДС`)),
      p.applies
        ? h("div", {}, h("dt", {}, "Льготная плата"), h("dd", { class: "figures__main" }, rub(p.amount_with_vat)), h("dd", { class: "hint" }, `${rub(p.rate_per_kw_with_vat)} за кВт с НДС`))
        : null,
    ),
    h("p", { class: "hint" }, p.applies ? p.basis : `Льготный порядок не применяется. ${p.conditions}.`),
    h(
      "details",
      { class: "more" },
      h("summary", {}, "Из чего складывается расчёт по стандартизированным ставкам"),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "table table--compact" },
          h("caption", { class: "visually-hidden" }, "Стандартизированные ставки"),
          h("thead", {}, h("tr", {}, ["Ставка", "Мероприятие", "Объём", "Ставка, ₽", "Сумма, ₽"].map((t, i) => h("th", { scope: "col", class: i > 1 ? "num" : false }, t)))),
          h(
            "tbody",
            {},
            r.standardised.items.map((item) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, item.code),
                h("td", {}, item.title),
                h("td", { class: "num" }, `${quantity(item.quantity)} ${item.unit}`),
                h("td", { class: "num" }, rub(item.rate)),
                h("td", { class: "num" }, rub(item.amount)),
              ),
            ),
          ),
        ),
      ),
      h("p", { class: "hint" }, `НДС ${Math.round(Number(r.vat_rate) * 100)} %. ${r.rates_source}`),
    ),
    h("div", { class: "notice disclaimer", role: "note" }, r.disclaimer),
  );
}

export function calculatorView(ctx) {
  const kind = ctx.user?.kind || "person";
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Рассчитать");
  const result = h("div", { "aria-live": "polite" });
  const radios = (name, legend, options, checked) =>
    h(
      "fieldset",
      { class: "fieldset", dataset: { field: name } },
      h("legend", {}, legend),
      h(
        "div",
        { class: `segmented${options.length === 2 ? " segmented--two" : ""}` },
        options.map(([value, text]) =>
          h(
            "div",
            { class: "segmented__item" },
            h("input", { type: "radio", id: `calc-${name}-${value}`, name, value, checked: value === checked }),
            h("label", { for: `calc-${name}-${value}` }, text),
          ),
        ),
      ),
      h("p", { class: "field-error" }),
    );
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    radios("applicant_kind", "Заявитель", [["person", "Физическое лицо"], ["entrepreneur", "ИП"], ["company", "Юридическое лицо"]], kind),
    h(
      "div",
      { class: "grid" },
      field({ name: "power_kw", label: "Максимальная мощность, кВт", required: true, inputmode: "decimal", value: "15" }),
      field({ name: "distance_m", label: "Расстояние до сетей, м", required: true, inputmode: "numeric", value: "0", hint: "До ближайших сетей нужного напряжения" }),
      selectField({ name: "voltage", label: "Напряжение", options: VOLTAGES.map((v) => [v, voltageTitle(v)]), value: "0.4" }),
      selectField({ name: "reliability", label: "Категория надёжности", options: Object.entries(RELIABILITY), value: "III" }),
    ),
    radios("settlement", "Местность", [["urban", "Город"], ["rural", "Сельская местность"]], "urban"),
    radios("construction", "Линия", [["overhead", "Воздушная"], ["cable", "Кабельная"]], "overhead"),
    h(
      "div",
      { class: "check" },
      h("input", { type: "checkbox", id: "calc-substation", name: "substation" }),
      h("label", { for: "calc-substation" }, "Нужна трансформаторная подстанция 6(10)/0,4 кВ"),
    ),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Укажите мощность и расстояние до сетей.", problems);
    const values = formValues(form);
    clearErrors(form);
    setBusy(button, true, "Считаем…");
    try {
      const estimate = await ctx.api.post(
        "/connection-calculator",
        { ...values, power_kw: values.power_kw.replace(",", "."), distance_m: values.distance_m },
        { auth: false },
      );
      result.replaceChildren(calculatorResult(estimate));
    } catch (error) {
      result.replaceChildren();
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });
  return h(
    "section",
    { class: "page page--medium" },
    h("h1", { tabindex: "-1" }, "Калькулятор стоимости присоединения"),
    h(
      "p",
      { class: "lead" },
      "Ориентировочный расчёт платы за технологическое присоединение по стандартизированным тарифным ставкам и по ставке за 1 кВт. " +
        "Расчёт справочный: итоговую стоимость определит сетевая организация после подачи заявки.",
    ),
    ctx.user ? sectionLinks("calculator") : guestLinks("calculator"),
    h("div", { class: "stack" }, h("section", { class: "card", "aria-label": "Исходные данные" }, form), result),
  );
}
