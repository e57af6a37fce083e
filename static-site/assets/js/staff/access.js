// Staff console «Доступ к договорам» (operators and administrators): the queue of access requests, oldest
// first; a request's card puts the applicant's identity as registered beside the holder's as billing sends
// it, says whether the contract and the meter were found, lists who already uses the contract and the
// applicant's documents; approve with a right or refuse with a reason (chalicelib/metering/access_requests.py).

import { facts, selectField, textField } from "../cases-common.js";
import { fileList } from "../uploads.js";
import { clearErrors, formAlert, formatDateTime, formatPhone, formValues, h, setBusy, showErrors } from "../ui.js";
import { filterForm, pagedTable } from "./list.js";

const SECTION = "access";
const enc = encodeURIComponent;
const RIGHTS = {
  holder: "Владелец договора",
  submit: "Просмотр и передача показаний",
  view: "Только просмотр",
};
const STATUSES = [
  ["pending", "На рассмотрении"],
  ["approved", "Одобренные"],
  ["refused", "Отклонённые"],
];
const STATUS_PILLS = { pending: "pill--info", approved: "pill--ok", refused: "pill--danger" };
const KINDS = { person: "Физическое лицо", entrepreneur: "Индивидуальный предприниматель", company: "Юридическое лицо" };
const CATEGORIES = {
  flat_common_meter: "ФЛ, многоквартирный дом с общедомовым прибором учёта",
  flat_no_common_meter: "ФЛ, многоквартирный дом без общедомового прибора учёта",
  private_house: "ФЛ, частный дом",
  entrepreneur: "Индивидуальный предприниматель",
  company: "Юридическое лицо",
  cooperative: "Кооператив, СНТ, ТСЖ",
};

const pill = (text, kind) => h("span", { class: `pill ${kind}` }, text);
const statusPill = (item) => pill(item.status_title, STATUS_PILLS[item.status] || "pill--muted");
const check = (ok, yes, no) => pill(ok ? yes : no, ok ? "pill--ok" : "pill--danger");

function queueColumns() {
  return [
    {
      title: "Поступил",
      header: true,
      cell: (item) => [
        h("a", { class: "nowrap", href: `#/${SECTION}/request?id=${enc(item.id)}` }, `Договор №\u00a0${item.contract_number}`),
        h("span", { class: "cell-sub" }, formatDateTime(item.created_at)),
      ],
    },
    { title: "Счётчик", cell: (item) => item.meter_serial || "—" },
    { title: "Заявитель", cell: (item) => [item.applicant_name, h("span", { class: "cell-sub" }, item.applicant_login)] },
    {
      title: "Основание и право",
      label: "Запрошено",
      cell: (item) => [item.relation_title, h("span", { class: "cell-sub" }, RIGHTS[item.right])],
    },
    {
      title: "Статус",
      cell: (item) => [statusPill(item), item.from_migration ? [" ", pill("перенос привязки", "pill--muted")] : null],
    },
  ];
}

async function queueView(ctx) {
  const status = ctx.params.get("status") || "pending";
  const form = filterForm(ctx, {
    section: SECTION,
    label: "Фильтр запросов",
    controls: [selectField({ name: "status", label: "Статус", options: STATUSES, value: status, size: "narrow" })],
  });
  const list = await pagedTable(ctx, {
    path: "/staff/access-requests",
    query: new URLSearchParams({ status }),
    caption: "Запросы доступа",
    columns: queueColumns(),
    empty: () => (status === "pending" ? "Новых запросов нет." : "Запросов нет."),
  });
  return h(
    "div",
    { class: "stack" },
    h("p", { class: "hint" }, "Запросы потребителей, которые не смогли подтвердить, что договор их, и запросы, созданные при переносе старых привязок."),
    form,
    list,
  );
}

// --- one request ----------------------------------------------------------------------------------

// The applicant as registered and the holder as billing sends it, row by row.
function identities(card) {
  const a = card.applicant;
  const b = card.holder || {};
  const rows = [
    ["Вид", KINDS[a.kind] || "—", KINDS[b.kind] || "—"],
    ["ФИО или наименование", a.name || "—", b.name || "—"],
    ["СНИЛС", a.snils || "—", b.snils || "—"],
    ["ИНН", a.inn || "—", b.inn || "—"],
    ["КПП", a.kpp || "—", b.kpp || "—"],
    ["ОГРН / ОГРНИП", a.ogrn || "—", "—"],
    ["Категория потребителя", "—", card.holder ? CATEGORIES[b.category] || "старый формат биллинга: не указана" : "—"],
  ];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--stack", dataset: { compare: "identities" } },
      h("caption", { class: "visually-hidden" }, "Заявитель и владелец договора"),
      h("thead", {}, h("tr", {}, ["", "Заявитель (в личном кабинете)", "Владелец (по биллингу)"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        rows.map(([title, mine, theirs]) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, title),
            h("td", { "data-label": "Заявитель" }, mine),
            h("td", { "data-label": "Владелец" }, theirs),
          ),
        ),
      ),
    ),
  );
}

function usersList(users) {
  if (!users.length) return h("p", { class: "hint" }, "К договору пока никто не подключён.");
  return h(
    "ul",
    {},
    users.map((u) =>
      h("li", {}, `${u.name || u.login || u.user_id}${u.login ? ` (${u.login})` : ""} — ${RIGHTS[u.right]}, с ${formatDateTime(u.since)}`),
    ),
  );
}

function decisionForm(ctx, card, done) {
  const approve = h("button", { type: "submit", class: "btn btn--primary", name: "decision", value: "approve", disabled: !card.can_approve }, "Одобрить");
  const refuse = h("button", { type: "submit", class: "btn btn--danger", name: "decision", value: "refuse" }, "Отклонить");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      selectField({ name: "right", label: "Право при одобрении", options: Object.entries(RIGHTS), value: card.right, size: "wide" }),
    ),
    textField({ name: "reason", label: "Причина отказа или комментарий", max: 1000, rows: 3, hint: "Придёт заявителю письмом и в ленту. При отказе обязательна." }),
    card.can_approve
      ? null
      : h("p", { class: "hint" }, "Одобрить нельзя: договор или счётчик не найдены в биллинге, учётная запись заявителя не активна, или он уже владелец. Запрос можно только отклонить."),
    h("div", { class: "form__actions" }, approve, refuse),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = event.submitter?.value === "approve" ? "approve" : "refuse";
    const { right, reason } = formValues(form);
    if (decision === "refuse" && !reason) {
      return showErrors(form, "Укажите причину отказа.", [{ path: "reason", message: "Причина придёт заявителю" }]);
    }
    clearErrors(form);
    const button = decision === "approve" ? approve : refuse;
    setBusy(button, true, "Сохраняем…");
    try {
      const body = decision === "approve" ? { decision, right, reason } : { decision, reason };
      const fresh = await ctx.api.post(`/staff/access-requests/${enc(card.id)}/decision`, body);
      done(fresh.status === "approved" ? `Доступ предоставлен: «${RIGHTS[fresh.granted_right]}».` : "Запрос отклонён.");
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return form;
}

async function requestView(ctx) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указан запрос.");
  const card = await ctx.api.get(`/staff/access-requests/${enc(id)}`);
  const done = (message) => {
    ctx.flash(message);
    ctx.navigate(`/${SECTION}/request?id=${enc(card.id)}`);
  };
  const a = card.applicant;
  const decided =
    card.status === "pending"
      ? null
      : facts([
          ["Решение", card.status_title],
          ["Предоставлено", card.granted_right ? RIGHTS[card.granted_right] : null],
          [card.status === "refused" ? "Причина" : "Комментарий", card.reason],
          ["Сотрудник", card.decided_by],
          ["Когда", card.decided_at ? formatDateTime(card.decided_at) : null],
        ]);
  return {
    title: `Запрос доступа к договору № ${card.contract_number}`,
    body: h(
      "div",
      { class: "stack" },
      h("p", { class: "breadcrumbs" }, h("a", { href: `#/${SECTION}` }, "← К очереди")),
      h("p", { class: "meter__pills" }, statusPill(card), card.from_migration ? [" ", pill("перенос привязки", "pill--muted")] : null),
      facts([
        ["Договор", card.contract_number],
        ["Заводской номер счётчика", card.meter_serial || "—"],
        ["Кем приходится", card.relation_title],
        ["Запрошено", RIGHTS[card.right]],
        ["Поступил", formatDateTime(card.created_at)],
        ["Комментарий заявителя", card.comment],
        ["Учётная запись", `${a.login}${a.active ? "" : " (удалена или не подтверждена)"}`],
        ["E-mail", a.email],
        ["Телефон", a.phone ? formatPhone(a.phone) : null],
      ]),
      h("h2", { class: "card__title" }, "Сверка с биллингом"),
      h(
        "p",
        { class: "meter__pills", dataset: { checks: "" } },
        check(card.contract_found, "Договор найден", "Договора нет в биллинге"),
        " ",
        card.contract_found ? check(card.serial_matched, "Счётчик в договоре", "Такого счётчика в договоре нет") : null,
        " ",
        card.contract_found ? check(card.identity_matches, "Данные совпадают", "Данные не совпадают") : null,
      ),
      identities(card),
      h("h2", { class: "card__title" }, "Кто уже подключён к договору"),
      usersList(card.users),
      h("h2", { class: "card__title" }, "Документы заявителя"),
      fileList(ctx.api, card.files, (file) => `/staff/access-requests/${enc(card.id)}/files/${enc(file.id)}`, {
        empty: card.from_migration ? "Запрос создан при переносе привязки: документов нет." : "Документов нет.",
      }),
      h(
        "section",
        { class: "card card--muted", "aria-labelledby": "decision-title" },
        h("h2", { id: "decision-title", class: "card__title" }, "Решение"),
        card.status === "pending" ? decisionForm(ctx, card, done) : decided,
      ),
    ),
  };
}

export async function accessSection(ctx, sub) {
  if (sub === "request") return requestView(ctx);
  return { title: "Доступ к договорам", body: await queueView(ctx) };
}
