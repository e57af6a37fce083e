// Home page: tiles per section with counters, and the company information block.

import { companyInfo } from "../company.js";
import { displayName, h, periodLabel, pluralRu } from "../ui.js";

// Sections that arrive in later releases: shown, but honestly marked as not available yet.
const UPCOMING = [];
const AIIS_TEXT = "Данные автоматизированного учёта: показания, профиль мощности, журнал событий.";

// A section tile with a counter (`number` null: no counter). When a section's data cannot be loaded,
// its tile still links to the section and says so instead of showing a wrong figure.
function counterTile(href, title, number, unit, text, accent = false) {
  return h(
    "a",
    { class: "tile tile--link", href },
    h("h2", { class: "tile__title" }, title),
    number === null
      ? null
      : h(
          "p",
          { class: "tile__counter" },
          h("span", { class: `tile__number${accent ? " tile__number--accent" : ""}` }, number),
          h("span", { class: "tile__unit" }, unit),
        ),
    h("p", { class: "tile__text" }, text),
  );
}

const UNAVAILABLE = "Не удалось загрузить данные раздела. Откройте раздел или обновите страницу позже.";

function accountsTile(tree) {
  if (!tree) return counterTile("#/accounts", "Лицевые счета и приборы учёта", null, "", UNAVAILABLE);
  const meters = tree.contracts.flatMap((c) => c.objects.flatMap((o) => o.meters)).length + tree.declared_meters.length;
  const contracts = tree.contracts.length;
  if (!meters && !contracts) {
    return counterTile("#/accounts", "Лицевые счета и приборы учёта", null, "",
      "Привяжите договор по его номеру и номеру счётчика, чтобы передавать показания.");
  }
  return counterTile(
    "#/accounts",
    "Лицевые счета и приборы учёта",
    String(meters),
    pluralRu(meters, "прибор учёта", "прибора учёта", "приборов учёта"),
    `${contracts} ${pluralRu(contracts, "договор", "договора", "договоров")}. Карточки приборов учёта, история показаний.`,
  );
}

function readingsTile(summary) {
  if (!summary) return counterTile("#/readings", "Показания", null, "", UNAVAILABLE);
  if (!summary.total) {
    return counterTile("#/readings", "Показания", null, "", "Приборов учёта пока нет. " + summary.window.message);
  }
  const missing = summary.window.open && summary.submitted < summary.total;
  return counterTile(
    "#/readings",
    "Показания",
    `${summary.submitted} из ${summary.total}`,
    `передано за ${periodLabel(summary.period)}`,
    summary.window.message,
    missing,
  );
}

function outagesTile(subscriptions) {
  if (!subscriptions) return counterTile("#/outages", "Отключения", null, "", UNAVAILABLE);
  const count = subscriptions.items.length;
  return counterTile(
    "#/outages",
    "Отключения",
    count ? String(count) : null,
    pluralRu(count, "адрес в SMS-подписке", "адреса в SMS-подписке", "адресов в SMS-подписке"),
    "Плановые и аварийные отключения по адресу." + (count ? "" : " Подпишитесь на SMS по своему адресу."),
  );
}

// Appeals and extra-service requests not yet in the archive: the answered ones are the news.
function casesTile(list) {
  const title = "Обращения";
  if (!list) return counterTile("#/appeals", title, null, "", UNAVAILABLE);
  const answered = list.items.filter((c) => c.status === "answered").length;
  const open = list.items.length - answered;
  const about = "Обращения, жалобы и заявки на дополнительные услуги.";
  if (answered) {
    return counterTile("#/appeals", title, String(answered),
      pluralRu(answered, "обращение с ответом", "обращения с ответом", "обращений с ответом"),
      `${open ? `На рассмотрении: ${open}. ` : ""}${about}`, true);
  }
  if (open) return counterTile("#/appeals", title, String(open), "на рассмотрении", about);
  return counterTile("#/appeals", title, null, "", `${about} Подача, ход рассмотрения и ответы.`);
}

// Grid-connection applications: those waiting for the applicant's documents come first.
function connectionTile(list) {
  const title = "Технологическое присоединение";
  if (!list) return counterTile("#/connection", title, null, "", UNAVAILABLE);
  const count = (test) => list.items.filter(test).length;
  const waiting = count((a) => a.status === "awaiting_documents");
  const drafts = count((a) => a.status === "draft");
  const active = count((a) => !["draft", "closed", "annulled", "withdrawn"].includes(a.status));
  const draftsText = drafts ? `Черновиков: ${drafts}.` : "";
  if (waiting) {
    return counterTile("#/connection", title, String(waiting),
      pluralRu(waiting, "заявка ждёт Ваших документов", "заявки ждут Ваших документов", "заявок ждут Ваших документов"),
      `В работе: ${active}. ${draftsText}`, true);
  }
  if (active) {
    return counterTile("#/connection", title, String(active), pluralRu(active, "заявка в работе", "заявки в работе", "заявок в работе"),
      draftsText || "Статусы, сроки и документы сетевой организации.");
  }
  if (drafts) {
    return counterTile("#/connection", title, String(drafts), pluralRu(drafts, "черновик", "черновика", "черновиков"),
      "Продолжите заполнение и отправьте заявку.");
  }
  return counterTile("#/connection", title, null, "",
    "Заявки на присоединение к электрическим сетям; калькулятор покажет ориентировочную стоимость.");
}

const orNull = (promise) => promise.catch(() => null);

function greeting(user) {
  const name = user.kind === "person" ? [user.first_name, user.middle_name].filter(Boolean).join(" ") : "";
  return name ? `Здравствуйте, ${name}!` : "Здравствуйте!";
}

export async function dashboardView(ctx) {
  const [summary, tree, readings, subscriptions, cases, applications] = await Promise.all([
    ctx.api.get("/me/summary"),
    orNull(ctx.api.get("/accounts")),
    orNull(ctx.api.get("/readings/summary")),
    orNull(ctx.api.get("/outages/subscriptions")),
    orNull(ctx.api.get("/cases?archived=false")),
    orNull(ctx.api.get("/connection-applications")),
  ]);
  ctx.setUnread(summary.unread_notifications);
  const unread = summary.unread_notifications;

  const notificationsTile = h(
    "a",
    { class: "tile tile--link", href: "#/notifications" },
    h("h2", { class: "tile__title" }, "Уведомления"),
    h(
      "p",
      { class: "tile__counter" },
      h("span", { class: `tile__number${unread ? " tile__number--accent" : ""}` }, String(unread)),
      h("span", { class: "tile__unit" }, pluralRu(unread, "непрочитанное", "непрочитанных", "непрочитанных")),
    ),
    h("p", { class: "tile__text" }, unread ? "Откройте, чтобы прочитать." : "Новых уведомлений нет."),
  );
  const profileTile = h(
    "a",
    { class: "tile tile--link", href: "#/profile" },
    h("h2", { class: "tile__title" }, "Профиль"),
    h("p", { class: "tile__text" }, "Контактные данные, почтовый адрес, ", { person: "паспорт", entrepreneur: "запись в ЕГРИП", company: "запись в ЕГРЮЛ" }[ctx.user.kind], ", смена пароля."),
  );

  return h(
    "section",
    { class: "page" },
    h("h1", { tabindex: "-1" }, greeting(ctx.user)),
    ctx.user.kind === "person" ? null : h("p", { class: "lead" }, displayName(ctx.user)),
    h(
      "div",
      { class: "dashboard" },
      h(
        "div",
        { class: "tiles" },
        readingsTile(readings),
        accountsTile(tree),
        casesTile(cases),
        connectionTile(applications),
        outagesTile(subscriptions),
        notificationsTile,
        profileTile,
        counterTile("#/aiis", "АИИС КУЭ", null, "", AIIS_TEXT),
        UPCOMING.map(([title, text]) =>
          h(
            "div",
            { class: "tile tile--upcoming" },
            h("h2", { class: "tile__title" }, title),
            h("p", { class: "tile__text" }, text),
            h("p", { class: "tile__status" }, "Раздел в разработке"),
          ),
        ),
      ),
      companyInfo(ctx.company),
    ),
  );
}
