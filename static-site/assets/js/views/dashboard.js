// Home page: tiles per section with counters, and the company information block.

import { companyInfo } from "../company.js";
import { displayName, h, pluralRu } from "../ui.js";

// Sections that arrive in later releases: shown, but honestly marked as not available yet.
const UPCOMING = [
  ["Лицевые счета и приборы учёта", "Договоры, объекты и карточки приборов учёта."],
  ["Показания", "Передача показаний и история потребления по расчётным периодам."],
  ["Обращения", "Обращения, жалобы и заявки на дополнительные услуги."],
  ["Технологическое присоединение", "Заявки на присоединение, их статусы и документы."],
  ["АИИС КУЭ", "Данные автоматизированного учёта: показания, профиль мощности, журнал событий."],
  ["Отключения", "Плановые и аварийные отключения по Вашему адресу."],
];

function greeting(user) {
  const name = user.kind === "person" ? [user.first_name, user.middle_name].filter(Boolean).join(" ") : "";
  return name ? `Здравствуйте, ${name}!` : "Здравствуйте!";
}

export async function dashboardView(ctx) {
  const summary = await ctx.api.get("/me/summary");
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
        notificationsTile,
        profileTile,
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
