// An application's parts shown alike on the consumer site and in the staff console: deadlines, the
// sections as read-only facts, questions and answers, the status history.

import { facts, kw } from "./cases-common.js";
import { CONTRACTS, OWNERSHIP, RELIABILITY, SETTLEMENTS, voltageTitle } from "./connection-rules.js";
import { formatDateTime, formatDay, formatPhone, h } from "./ui.js";


function deadlineState(d) {
  if (d.done_on) {
    return d.late
      ? [h("span", { class: "pill pill--warn" }, "С опозданием"), h("span", { class: "cell-sub" }, `выполнено ${formatDay(d.done_on)}`)]
      : [h("span", { class: "pill pill--ok" }, "Выполнено"), h("span", { class: "cell-sub" }, formatDay(d.done_on))];
  }
  return d.overdue ? h("span", { class: "pill pill--danger" }, "Срок пропущен") : h("span", { class: "pill pill--info" }, "Идёт");
}

// The PP 861 deadlines of an application; parties: how to name the applicant and the company here
// («Вы» on the consumer site, «Заявитель» in the console).
export function deadlinesTable(deadlines, parties) {
  if (!deadlines.length) return h("p", { class: "hint" }, "Сроки начнут идти после подачи заявки.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--stack" },
      h("caption", { class: "visually-hidden" }, "Сроки по Правилам технологического присоединения"),
      h(
        "thead",
        {},
        h("tr", {}, ["Этап", "Кто", "Срок", "Состояние"].map((t) => h("th", { scope: "col" }, t))),
      ),
      h(
        "tbody",
        {},
        deadlines.map((d) =>
          h(
            "tr",
            { class: d.overdue ? "row--overdue" : false },
            h("th", { scope: "row" }, d.title, h("span", { class: "cell-sub" }, d.basis)),
            h("td", { "data-label": "Кто" }, parties[d.party]),
            h("td", { "data-label": "Срок" }, `${formatDay(d.start)} — ${formatDay(d.due)}`),
            h("td", { "data-label": "Состояние" }, deadlineState(d)),
          ),
        ),
      ),
    ),
  );
}

// The application's sections as read-only facts (the card's «Данные заявки»; staff see the same).
export function applicationData(card) {
  const a = card.applicant;
  const o = card.object;
  const t = card.technical;
  const person = card.applicant_kind === "person";
  return [
    h("h3", { class: "subhead" }, "Заявитель"),
    facts([
      [person ? "ФИО" : "Наименование", person ? [a.last_name, a.first_name, a.middle_name].filter(Boolean).join(" ") : a.full_name || a.short_name],
      ["Паспорт", a.passport ? `${a.passport.series} ${a.passport.number}, выдан ${formatDay(a.passport.issued_on)} ${a.passport.issued_by}` : null],
      ["СНИЛС", a.snils],
      ["ИНН", a.inn],
      ["ОГРН", a.ogrn],
      ["Руководитель", a.head_name],
      ["Запись в реестре", a.egr_record ? `№ ${a.egr_record.number} от ${formatDay(a.egr_record.date)}` : null],
      ["Адрес", person ? a.registration_address : a.legal_address],
      ["Фактический / почтовый адрес", person ? a.actual_address : a.postal_address],
      ["Представитель", a.representative ? a.representative_name : null],
      ["Телефон", a.phone ? formatPhone(a.phone) : null],
      ["E-mail", a.email],
    ]),
    h("h3", { class: "subhead" }, "Объект"),
    facts([
      ["Объект", o.name],
      ["Адрес", o.address],
      ["Кадастровый номер", o.cadastral_number],
      ["Основание владения", OWNERSHIP[o.ownership]],
      ["Местность", SETTLEMENTS[o.settlement]],
      ["Расстояние до сетей", o.grid_distance_m !== null && o.grid_distance_m !== undefined ? `${o.grid_distance_m} м` : null],
    ]),
    h("h3", { class: "subhead" }, "Технические данные"),
    facts([
      ["Запрашиваемая мощность", t.requested_kw !== null ? kw(t.requested_kw) : null],
      ["Ранее присоединённая", t.previous_kw ? kw(t.previous_kw) : null],
      ["Общая максимальная мощность", card.total_kw !== null ? kw(card.total_kw) : null],
      ["Класс напряжения", t.voltage ? voltageTitle(t.voltage) : null],
      ["Категория надёжности", RELIABILITY[t.reliability]],
      ["Обоснование категории", t.reliability_justification],
      ["Вид нагрузки (ОКВЭД)", t.okved],
      ["Срок временного электроснабжения", t.temporary_months ? `${t.temporary_months} мес.` : null],
      ["Этапы", t.stages?.length ? t.stages.map((s, i) => h("span", { class: "cell-line" }, `${i + 1}: проектирование до ${formatDay(s.design_until)}, ввод ${formatDay(s.commissioning)}, ${kw(s.power_kw)}`)) : null],
      ["Договор", CONTRACTS[t.contract_type]],
      ["Энергосбытовая организация", t.retail_company],
      ["Рассрочка платежа", t.instalments ? "Да" : null],
    ]),
  ];
}

export function messagesList(messages, names) {
  if (!messages.length) return h("p", { class: "hint" }, "Вопросов пока не было.");
  return h(
    "ol",
    { class: "messages" },
    messages.map((m) =>
      h(
        "li",
        { class: `message message--${m.author}` },
        h("p", { class: "message__meta" }, h("strong", {}, names[m.author]), " · ", h("time", { datetime: m.at }, formatDateTime(m.at))),
        h("p", { class: "message__text" }, m.text),
      ),
    ),
  );
}

// Status history for timeline(); who: how to name each party here.
export const historyEntries = (card, who) =>
  card.history.map((e) => ({ at: e.at, title: e.status_title, comment: e.comment, who: who[e.by] }));
