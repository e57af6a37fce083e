// Profile: account facts (read-only), editable contacts, address, names, passport (ФЛ) or
// ЕГРЮЛ/ЕГРИП record (ИП/ЮЛ), and password change.

import {
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
  company: ["short_name", "full_name", "head_name"],
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
    phone: formatPhone(user.phone),
    passport: user.passport ? { ...user.passport, issued_on: day(user.passport.issued_on) } : null,
    egr_record: user.egr_record ? { ...user.egr_record, date: day(user.egr_record.date) } : null,
  };
}

const orEmpty = (value) => (value === null || value === undefined ? "" : String(value));

// Builds the PATCH body from what changed, as typed (the server judges formats); nested blocks are
// sent whole when any part changed.
function changes(values, shown, kind) {
  const body = {};
  for (const key of ["email", "phone", ...NAME_FIELDS[kind]]) {
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
        field({ name: "phone", label: "Телефон", type: "tel", required: true, autocomplete: "tel", hint: "Например, +7 900 123-45-67" }),
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
        profileForm(ctx, user),
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
