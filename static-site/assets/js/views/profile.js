// Profile: account facts (read-only), editable contacts, address, names, КПП (ЮЛ), passport (ФЛ) or
// ЕГРЮЛ/ЕГРИП record (ИП/ЮЛ); the phone changed with a code sent by SMS to the new number; password change.

import {
  checkbox,
  checkRequired,
  clearErrors,
  field,
  formAlert,
  formValues,
  formatDate,
  formatPhone,
  h,
  setBusy,
  setValues,
  showErrors,
  statusLine,
} from "../ui.js";
import { PASSWORD_HINT, addressFields } from "./common.js";

const KIND_NAMES = {
  person: "Физическое лицо",
  entrepreneur: "Индивидуальный предприниматель",
  company: "Юридическое лицо",
};

const NAME_FIELDS = {
  person: ["last_name", "first_name", "middle_name"],
  entrepreneur: ["short_name", "full_name", "head_name"],
  company: ["short_name", "full_name", "head_name", "kpp"],
};

const ADDRESS_KEYS = ["postcode", "locality", "street", "house", "flat"];
const PASSPORT_KEYS = ["series", "number", "issued_by", "issued_on"];
const EGR_KEYS = ["number", "date"];

function facts(user) {
  const rows = [
    ["Логин", user.login],
    ["Вид заявителя", KIND_NAMES[user.kind] || "—"],
  ];
  if (user.kind === "person") rows.push(["СНИЛС", user.snils]);
  else rows.push(["ИНН", user.inn], [user.kind === "entrepreneur" ? "ОГРНИП" : "ОГРН", user.ogrn]);
  rows.push(["Зарегистрирован", formatDate(user.created_at)]);
  return h(
    "section",
    { class: "card", "aria-labelledby": "account-title" },
    h("h2", { id: "account-title", class: "card__title" }, "Учётная запись"),
    h(
      "dl",
      { class: "facts" },
      rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value || "—")]),
    ),
    h("p", { class: "hint" }, "Эти данные изменить нельзя. Если в них ошибка, обратитесь в службу поддержки."),
    // 152-ФЗ: the accepted consent, the download of one's data, withdrawing consent (views/privacy.js).
    h(
      "p",
      {},
      user.consent
        ? `Согласие на обработку персональных данных: версия ${user.consent.version}` +
            (user.consent.accepted_at ? `, принято ${formatDate(user.consent.accepted_at)}. ` : ". ")
        : "",
      h("a", { href: "#/profile/privacy" }, "Мои данные и согласие"),
    ),
  );
}

function nameFieldset(kind) {
  if (kind === "person") {
    return h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Личные данные"),
      h(
        "div",
        { class: "grid" },
        field({ name: "last_name", label: "Фамилия", required: true, autocomplete: "family-name" }),
        field({ name: "first_name", label: "Имя", required: true, autocomplete: "given-name" }),
        field({ name: "middle_name", label: "Отчество", autocomplete: "additional-name", hint: "Если есть" }),
      ),
    );
  }
  return h(
    "fieldset",
    { class: "fieldset" },
    h("legend", {}, "Организация"),
    h(
      "div",
      { class: "grid" },
      field({ name: "short_name", label: "Краткое наименование", required: true, size: "wide" }),
      field({ name: "full_name", label: "Полное наименование", required: true, size: "wide" }),
      field({
        name: "head_name",
        label: kind === "entrepreneur" ? "ФИО индивидуального предпринимателя" : "ФИО руководителя",
        required: true,
        size: "wide",
      }),
      kind === "company"
        ? field({
            name: "kpp",
            label: "КПП",
            required: true,
            maxlength: "9",
            hint: "При постановке на учёт в другой налоговой инспекции организации присваивается новый КПП.",
          })
        : null,
    ),
  );
}

function documentFieldset(kind) {
  if (kind === "person") {
    return h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Паспорт"),
      h("p", { class: "hint" }, "Понадобится при подаче заявки на технологическое присоединение."),
      h(
        "div",
        { class: "grid" },
        field({ name: "passport.series", label: "Серия", inputmode: "numeric", maxlength: "4", hint: "4 цифры", size: "narrow" }),
        field({ name: "passport.number", label: "Номер", inputmode: "numeric", maxlength: "6", hint: "6 цифр", size: "narrow" }),
        field({ name: "passport.issued_on", label: "Дата выдачи", type: "date", size: "narrow" }),
        field({ name: "passport.issued_by", label: "Кем выдан", type: "textarea", rows: 2, size: "wide" }),
      ),
    );
  }
  const register = kind === "entrepreneur" ? "ЕГРИП" : "ЕГРЮЛ";
  return h(
    "fieldset",
    { class: "fieldset" },
    h("legend", {}, `Запись в ${register}`),
    h("p", { class: "hint" }, "Понадобится при подаче заявки на технологическое присоединение."),
    h(
      "div",
      { class: "grid" },
      field({
        name: "egr_record.number",
        label: `Номер записи в ${register}`,
        inputmode: "numeric",
        maxlength: kind === "entrepreneur" ? "15" : "13",
        hint: kind === "entrepreneur" ? "15 цифр" : "13 цифр",
      }),
      field({ name: "egr_record.date", label: "Дата внесения записи", type: "date", size: "narrow" }),
    ),
  );
}

// Values as the form shows them: nulls become empty strings, dates lose any time part.
function formData(user) {
  const day = (value) => (value ? String(value).slice(0, 10) : "");
  return {
    ...user,
    passport: user.passport ? { ...user.passport, issued_on: day(user.passport.issued_on) } : null,
    egr_record: user.egr_record ? { ...user.egr_record, date: day(user.egr_record.date) } : null,
  };
}

const orEmpty = (value) => (value === null || value === undefined ? "" : String(value));

// Builds the PATCH body from what changed, as typed (the server judges formats); nested blocks are
// sent whole when any part changed.
function changes(values, shown, kind) {
  const body = {};
  for (const key of ["email", ...NAME_FIELDS[kind]]) {
    if (values[key] !== orEmpty(shown[key])) body[key] = values[key];
  }
  const block = (name, keys) => {
    const before = shown[name] || {};
    if (keys.some((key) => values[name][key] !== orEmpty(before[key]))) body[name] = values[name];
  };
  block("address", ADDRESS_KEYS);
  if (kind === "person") block("passport", PASSPORT_KEYS);
  else block("egr_record", EGR_KEYS);
  return body;
}

function profileForm(ctx, user) {
  let shown = formData(user);
  const pending = h("p", { class: "notice notice--info", role: "status" });
  const showPending = (profile) => {
    pending.hidden = !profile.pending_email;
    pending.textContent = profile.pending_email
      ? `Ожидает подтверждения новый адрес ${profile.pending_email}: перейдите по ссылке из письма, ` +
        "отправленного на него. До этого уведомления приходят на прежний адрес."
      : "";
  };
  showPending(user);
  const save = h("button", { type: "submit", class: "btn btn--primary" }, "Сохранить");
  const status = statusLine();
  const form = h(
    "form",
    { class: "form", novalidate: true, dataset: { draft: "profile" } },
    formAlert(),
    nameFieldset(user.kind),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Контакты"),
      h(
        "div",
        { class: "grid" },
        field({
          name: "email",
          label: "E-mail",
          type: "email",
          required: true,
          autocomplete: "email",
          hint: "Новый адрес начнёт действовать после подтверждения по ссылке из письма.",
        }),
        pending,
      ),
    ),
    addressFields(),
    documentFieldset(user.kind),
    status,
    h(
      "div",
      { class: "form__actions" },
      save,
      h(
        "button",
        {
          type: "button",
          class: "btn btn--ghost",
          onclick: () => {
            clearErrors(form);
            setValues(form, shown);
            status.textContent = "";
          },
        },
        "Отменить изменения",
      ),
    ),
  );
  setValues(form, shown);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    const body = changes(formValues(form), shown, user.kind);
    if (!Object.keys(body).length) {
      clearErrors(form);
      status.textContent = "Изменений нет.";
      return;
    }
    clearErrors(form);
    setBusy(save, true, "Сохраняем…");
    try {
      const fresh = await ctx.api.patch("/me", body);
      shown = formData(fresh);
      setValues(form, shown);
      ctx.setUser(fresh);
      showPending(fresh);
      status.textContent = fresh.pending_email
        ? "Изменения сохранены. Новый адрес электронной почты начнёт действовать после перехода по ссылке из письма."
        : "Изменения сохранены.";
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

// The phone signs in and receives SMS: a new number takes effect only with the code sent to it.
// Step 1 sends the code (the old number stays until then), step 2 confirms it.
function phoneForm(ctx, user) {
  const current = h("p", { class: "phone-current" }, `Текущий номер: ${formatPhone(user.phone)}`);
  const send = h("button", { type: "submit", class: "btn btn--primary" }, "Получить код");
  const confirm = h("button", { type: "button", class: "btn btn--primary" }, "Подтвердить номер");
  const resend = h("button", { type: "button", class: "btn btn--ghost" }, "Отправить код ещё раз");
  const cancel = h("button", { type: "button", class: "btn btn--ghost" }, "Отменить");
  const status = statusLine();
  const codeStep = h(
    "div",
    { class: "form phone-code", hidden: true },
    h("p", { class: "notice notice--info", role: "status" }),
    field({ name: "code", label: "Код из СМС", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", hint: "6 цифр" }),
    h("div", { class: "form__actions" }, confirm, resend, cancel),
  );
  const phoneField = field({ name: "phone", label: "Новый номер", type: "tel", required: true, autocomplete: "tel", hint: "Например, +7 900 123-45-67" });
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Смена телефона" },
    formAlert(),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Телефон"),
      h("p", { class: "hint" }, "По номеру телефона можно входить в кабинет, на него приходят СМС-уведомления. Новый номер начнёт действовать после подтверждения кодом из СМС."),
      current,
      h("div", { class: "grid" }, phoneField),
    ),
    h("div", { class: "form__actions" }, send),
    codeStep,
    status,
  );
  const codeInput = codeStep.querySelector('[name="code"]');
  const showStep = (sending) => {
    phoneField.querySelector("input").readOnly = sending;
    send.hidden = sending;
    codeStep.hidden = !sending;
  };

  const requestCode = async (button) => {
    const phone = form.elements.namedItem("phone").value.trim();
    if (!phone) return showErrors(form, "Укажите новый номер.", [{ path: "phone", message: "Заполните это поле." }]);
    clearErrors(form);
    status.textContent = "";
    setBusy(button, true, "Отправляем…");
    try {
      const started = await ctx.api.post("/me/phone", { phone });
      codeStep.querySelector(".notice").textContent =
        `${started.message}. Код действует ${Math.round(started.expires_in / 60)} мин. Пока номер не подтверждён, действует прежний.`;
      codeInput.value = "";
      showStep(true);
      codeInput.focus();
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (codeStep.hidden) requestCode(send);
    else confirm.click();
  });
  resend.addEventListener("click", () => requestCode(resend));
  cancel.addEventListener("click", () => {
    clearErrors(form);
    showStep(false);
    status.textContent = "";
  });
  confirm.addEventListener("click", async () => {
    const code = codeInput.value.trim();
    if (!/^\d{6}$/.test(code)) {
      return showErrors(form, "Проверьте код.", [{ path: "code", message: "Введите 6 цифр из СМС." }]);
    }
    clearErrors(form);
    setBusy(confirm, true, "Проверяем…");
    try {
      const fresh = await ctx.api.post("/me/phone/confirm", { code });
      ctx.setUser(fresh);
      current.textContent = `Текущий номер: ${formatPhone(fresh.phone)}`;
      form.elements.namedItem("phone").value = "";
      showStep(false);
      status.textContent = "Номер телефона изменён.";
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(confirm, false);
    }
  });
  return form;
}

function passwordForm(ctx) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Сменить пароль");
  const status = statusLine();
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "grid grid--single" },
      field({ name: "old_password", label: "Старый пароль", type: "password", required: true, autocomplete: "current-password" }),
      field({
        name: "new_password",
        label: "Новый пароль",
        type: "password",
        required: true,
        autocomplete: "new-password",
        hint: PASSWORD_HINT,
      }),
      field({ name: "new_password_confirm", label: "Повтор нового пароля", type: "password", required: true, autocomplete: "new-password" }),
    ),
    status,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    const values = formValues(form);
    const problems = checkRequired(form);
    if (values.new_password && values.new_password_confirm && values.new_password !== values.new_password_confirm) {
      problems.push({ path: "new_password_confirm", message: "Пароли не совпадают." });
    }
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      const tokens = await ctx.api.post("/me/password", {
        old_password: values.old_password,
        new_password: values.new_password,
      });
      ctx.api.acceptTokens(tokens);
      form.reset();
      status.textContent = "Пароль изменён. Сеансы на других устройствах завершены.";
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });
  return form;
}

// How the account hears of the reading window and meter verification: the feed always; e-mail and
// SMS as chosen (SMS is off until asked for: it costs the company money); reading reminders may be
// switched off altogether.
function remindersForm(ctx, user) {
  const button = h("button", { type: "submit", class: "btn" }, "Сохранить напоминания");
  const status = statusLine();
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-describedby": "reminders-hint" },
    formAlert(),
    h(
      "p",
      { class: "hint", id: "reminders-hint" },
      "О начале приёма показаний, о его окончании (если показания ещё не переданы) и о сроке поверки счётчика " +
        "мы всегда сообщаем в разделе «Уведомления». Дополнительно:",
    ),
    checkbox({ name: "reading_reminders", label: "Напоминать о приёме показаний" }),
    checkbox({ name: "email", label: "Дублировать напоминания на электронную почту" }),
    checkbox({ name: "sms", label: "Дублировать напоминания в СМС" }),
    status,
    h("div", { class: "form__actions" }, button),
  );
  setValues(form, user.notifications || {});
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      const saved = await ctx.api.patch("/me", { notifications: formValues(form) });
      setValues(form, saved.notifications);
      status.textContent = "Настройки напоминаний сохранены.";
    } catch (error) {
      showErrors(form, error.message, (error.fields || []).map((f) => ({ ...f, path: f.path.replace(/^notifications\./, "") })));
    } finally {
      setBusy(button, false);
    }
  });
  return form;
}

export async function profileView(ctx) {
  const user = await ctx.reloadUser();

  return h(
    "section",
    { class: "page" },
    h("h1", { tabindex: "-1" }, "Профиль"),
    h(
      "div",
      { class: "profile" },
      h("div", { class: "profile__facts" }, facts(user)),
      h(
        "section",
        { class: "card profile__data", "aria-labelledby": "data-title" },
        h("h2", { id: "data-title", class: "card__title" }, "Мои данные"),
        h("div", { class: "stack" }, profileForm(ctx, user), phoneForm(ctx, user)),
      ),
      h(
        "section",
        { class: "card profile__reminders", "aria-labelledby": "reminders-title" },
        h("h2", { id: "reminders-title", class: "card__title" }, "Напоминания"),
        remindersForm(ctx, user),
      ),
      h(
        "section",
        { class: "card profile__password", "aria-labelledby": "password-title" },
        h("h2", { id: "password-title", class: "card__title" }, "Смена пароля"),
        passwordForm(ctx),
      ),
    ),
  );
}
