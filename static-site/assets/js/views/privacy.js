// «Мои данные и согласие» (152-ФЗ): the consent accepted at registration (version, time, text), the
// download of everything the portal holds about the account, and withdrawing consent, which closes the
// account. What the law obliges the company to keep, and for how long, is said before the button.

import {
  checkbox,
  checkRequired,
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatDateTime,
  h,
  pluralRu,
  setBusy,
  showErrors,
  statusLine,
} from "../ui.js";
import { forgetTypedReadings } from "./readings.js";

// Accounts the company creates itself (accounts/provisioning.py) record consent obtained outside the portal.
const OUTSIDE_PORTAL = "company";

function consentCard(user, published) {
  const accepted = user.consent;
  const outside = accepted?.version === OUTSIDE_PORTAL;
  const text = h("div", { class: "consent__text", tabindex: "0", "aria-label": "Текст согласия" });
  if (!published) text.textContent = "Текст согласия сейчас недоступен. Обновите страницу позже.";
  else text.textContent = published.text;
  const sameVersion = published && accepted && published.version === accepted.version;
  return h(
    "section",
    { class: "card", "aria-labelledby": "consent-title" },
    h("h2", { id: "consent-title", class: "card__title" }, "Согласие на обработку персональных данных"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Версия"),
      h("dd", {}, outside ? "получено сетевой организацией при создании учётной записи" : accepted?.version || "—"),
      h("dt", {}, "Принято"),
      h("dd", {}, accepted?.accepted_at ? formatDateTime(accepted.accepted_at) : "—"),
    ),
    published && !sameVersion && !outside
      ? h(
          "p",
          { class: "hint" },
          `Ниже — действующая редакция согласия (версия ${published.version}); Вы принимали версию ` +
            `${accepted?.version || "—"}.`,
        )
      : null,
    h("div", { class: "consent" }, text),
  );
}

function exportCard(ctx, terms) {
  const button = h("button", { type: "button", class: "btn btn--primary" }, "Скачать мои данные");
  const status = statusLine();
  const alert = formAlert();
  button.addEventListener("click", async () => {
    alert.hidden = true;
    status.textContent = "Собираем архив…";
    setBusy(button, true, "Готовим архив…");
    try {
      const link = await ctx.api.post("/me/data-export");
      // The link lives a minute or so: follow it at once.
      const anchor = h("a", { href: link.url, download: link.file_name, hidden: true });
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      const files = `${link.files} ${pluralRu(link.files, "файл", "файла", "файлов")}`;
      status.textContent =
        `Архив «${link.file_name}» скачивается (данные и ${files}).` +
        (link.files_not_included
          ? ` ${link.files_not_included} ${pluralRu(link.files_not_included, "файл не вошёл", "файла не вошли", "файлов не вошли")} ` +
            "в архив из-за объёма — они перечислены в data.json и доступны в карточках обращений и заявок."
          : "");
    } catch (error) {
      status.textContent = "";
      alert.textContent = error.message;
      alert.hidden = false;
    } finally {
      setBusy(button, false);
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "export-title" },
    h("h2", { id: "export-title", class: "card__title" }, "Мои данные"),
    h(
      "p",
      {},
      "Архив ZIP со всем, что личный кабинет хранит о Вашей учётной записи: профиль и согласие, сеансы входа, " +
        "договоры и приборы учёта с правами доступа, переданные Вами показания, обращения, заявки на услуги и " +
        "на технологическое присоединение с историей, уведомления, подписки на отключения, загруженные файлы " +
        "(data.json и сами файлы).",
    ),
    h(
      "p",
      { class: "hint" },
      `Ссылка на архив действует ${terms.export_link_seconds} с, поэтому скачивание начинается сразу; архив ` +
        `удаляется из хранилища через сутки. Выгрузка — не чаще ${terms.exports_per_hour} раз в час.`,
    ),
    alert,
    status,
    h("div", { class: "form__actions" }, button),
  );
}

function closeCard(ctx, terms) {
  const button = h("button", { type: "submit", class: "btn btn--danger" }, "Отозвать согласие и закрыть учётную запись");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Закрытие учётной записи" },
    formAlert(),
    h(
      "div",
      { class: "notice notice--error" },
      h("p", {}, h("strong", {}, "Это действие нельзя отменить.")),
      h(
        "p",
        {},
        "Сразу после подтверждения будут завершены все сеансы и удалены: профиль (ФИО или реквизиты, адрес, " +
          "паспорт, e-mail, телефон), пароль, привязки договоров и приборов учёта, приглашения, уведомления, " +
          "подписки на отключения, загруженные файлы, не вошедшие в обращения. Войти по прежним логину, e-mail и " +
          "телефону будет нельзя; зарегистрироваться снова с ними — можно.",
      ),
      h(
        "p",
        {},
        "Обращения, заявки на дополнительные услуги и на технологическое присоединение (с файлами и историей) " +
          "сетевая организация обязана хранить по закону: они останутся без привязки к учётной записи " +
          `${terms.retention_years} ${pluralRu(terms.retention_years, "год", "года", "лет")} со дня закрытия и затем ` +
          "будут удалены. Показания, переданные Вами, остаются учётными данными договора " +
          "(без Вашего имени). Неподанные черновики заявок удаляются.",
      ),
      h("p", {}, "Если нужна копия данных, сначала скачайте архив выше."),
    ),
    h(
      "div",
      { class: "grid grid--single" },
      field({ name: "password", label: "Пароль", type: "password", required: true, autocomplete: "current-password" }),
    ),
    checkbox({ name: "confirm", label: "Я понимаю, что учётная запись будет закрыта безвозвратно", required: true }),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    clearErrors(form);
    const sure = await confirmDialog({
      title: "Закрыть учётную запись?",
      text: "Согласие будет отозвано, персональные данные удалены. Восстановить учётную запись будет невозможно.",
      confirm: "Закрыть учётную запись",
      cancel: "Не закрывать",
      danger: true,
    });
    if (!sure) return;
    setBusy(button, true, "Закрываем…");
    try {
      const answer = await ctx.api.post("/me/close", {
        password: form.elements.namedItem("password").value,
        confirm: true,
      });
      ctx.api.forget();
      forgetTypedReadings();
      ctx.setUser(null);
      ctx.flash(answer.message, "success");
      ctx.navigate("/login");
    } catch (error) {
      showErrors(form, error.message, error.fields);
      setBusy(button, false);
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "close-title" },
    h("h2", { id: "close-title", class: "card__title" }, "Отзыв согласия и закрытие учётной записи"),
    form,
  );
}

export async function privacyView(ctx) {
  const [user, terms] = await Promise.all([ctx.reloadUser(), ctx.api.get("/me/privacy")]);
  let published = null;
  try {
    published = await ctx.api.get("/auth/consent", { auth: false });
  } catch {
    // The accepted version and time are shown anyway; the card says the text is unavailable.
  }
  return h(
    "section",
    { class: "page page--medium" },
    h("p", {}, h("a", { href: "#/profile" }, "← Профиль")),
    h("h1", { tabindex: "-1" }, "Мои данные и согласие"),
    consentCard(user, published),
    exportCard(ctx, terms),
    closeCard(ctx, terms),
  );
}
