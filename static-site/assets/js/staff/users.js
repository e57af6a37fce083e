// Staff console «Сотрудники» (administrators): the employees, their roles, status and last sign-in; a new
// employee gets a one-time link by e-mail to set the password. An employee's page edits the data and the
// roles, disables or re-enables the account (disabling ends its sessions at once), sends a new
// password link and resets the two-factor sign-in. Also the page that link opens (#/password?token=…), shown without signing in.

import { facts } from "../cases-common.js";
import {
  checkbox,
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatDateTime,
  formValues,
  h,
  setBusy,
  setValues,
  showErrors,
} from "../ui.js";
import { resultsTable } from "./list.js";

const enc = encodeURIComponent;

export const ROLE_NAMES = {
  admin: "Администратор",
  operator: "Оператор обращений и услуг",
  engineer: "Инженер по присоединению",
  metering: "Инженер АИИС КУЭ",
  billing: "Оператор обмена с биллингом",
};
const STATUS = {
  invited: ["Ждёт пароля", "pill--warn"],
  active: ["Работает", "pill--ok"],
  disabled: ["Отключён", "pill--muted"],
};

const fullName = (u) => [u.last_name, u.first_name, u.middle_name].filter(Boolean).join(" ");
const statusPill = (u) => h("span", { class: `pill ${STATUS[u.status][1]}` }, STATUS[u.status][0]);
const roleList = (u) => u.roles.map((r) => ROLE_NAMES[r] || r).join(", ");

async function listView(ctx) {
  const { users } = await ctx.api.get("/staff/users");
  return h(
    "div",
    { class: "stack" },
    h(
      "div",
      { class: "toolbar" },
      h("p", { class: "toolbar__text" }, `Сотрудников: ${users.length}.`),
      h("a", { class: "btn btn--primary", href: "#/users/new" }, "Новый сотрудник"),
    ),
    resultsTable({
      caption: "Сотрудники",
      items: users,
      empty: "Сотрудников пока нет.",
      columns: [
        { title: "Сотрудник", header: true, cell: (u) => h("a", { href: `#/users/user?id=${enc(u.id)}` }, fullName(u)) },
        { title: "Логин", cell: (u) => u.login },
        { title: "Роли", cell: roleList },
        { title: "Состояние", cell: statusPill },
        { title: "Последний вход", cell: (u) => (u.last_login_at ? formatDateTime(u.last_login_at) : "—") },
      ],
    }),
  );
}

function rolesFieldset() {
  return h(
    "fieldset",
    { class: "fieldset", dataset: { field: "roles" } },
    h("legend", {}, "Роли", h("span", { class: "req", "aria-hidden": "true" }, " *")),
    Object.entries(ROLE_NAMES).map(([role, label]) => checkbox({ name: `role.${role}`, label })),
  );
}

function employeeFields(withLogin) {
  return [
    withLogin
      ? field({ name: "login", label: "Логин", required: true, hint: "5–32 латинские буквы и цифры, с буквы" })
      : null,
    field({ name: "last_name", label: "Фамилия", required: true }),
    field({ name: "first_name", label: "Имя", required: true }),
    field({ name: "middle_name", label: "Отчество" }),
    field({ name: "email", label: "E-mail", type: "email", required: true, hint: "Сюда придёт ссылка для пароля" }),
    field({ name: "phone", label: "Телефон", type: "tel", required: true }),
    rolesFieldset(),
  ];
}

// The form's values as the API takes them: the role checkboxes become the list `roles`.
function employeeBody(form) {
  const { role = {}, ...rest } = formValues(form);
  return { ...rest, roles: Object.keys(role).filter((r) => role[r]) };
}

function setRoles(form, roles) {
  for (const role of Object.keys(ROLE_NAMES)) form.elements.namedItem(`role.${role}`).checked = roles.includes(role);
}

function submitting(form, button, busyText, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(button, true, busyText);
    try {
      await action();
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });
}

function newView(ctx) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Создать и отправить ссылку");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Новый сотрудник" },
    formAlert(),
    h("div", { class: "grid" }, employeeFields(true)),
    h("div", { class: "form__actions" }, button, h("a", { class: "btn btn--ghost", href: "#/users" }, "Отмена")),
  );
  submitting(form, button, "Создание…", async () => {
    const user = await ctx.api.post("/staff/users", employeeBody(form));
    ctx.flash(`Сотрудник ${user.login} создан. Ссылка для пароля отправлена на ${user.email}.`);
    ctx.navigate(`/users/user?id=${enc(user.id)}`);
  });
  return form;
}

async function cardView(ctx) {
  const id = ctx.params.get("id") || "";
  const user = await ctx.api.get(`/staff/users/${enc(id)}`);
  const path = `/staff/users/${enc(user.id)}`;
  const save = h("button", { type: "submit", class: "btn btn--primary" }, "Сохранить");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Данные сотрудника" },
    formAlert(),
    h("div", { class: "grid" }, employeeFields(false)),
    h("div", { class: "form__actions" }, save),
  );
  setValues(form, user);
  setRoles(form, user.roles);
  submitting(form, save, "Сохранение…", async () => {
    await ctx.api.patch(path, employeeBody(form));
    ctx.flash("Изменения сохранены.");
    ctx.navigate(`/users/user?id=${enc(user.id)}`);
  });

  const actions = h("div", { class: "form__actions" });
  const problem = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  const act = (label, confirmText, call, done, danger = false) => {
    const button = h("button", { type: "button", class: danger ? "btn btn--danger" : "btn" }, label);
    button.addEventListener("click", async () => {
      if (!(await confirmDialog({ title: label, text: confirmText, confirm: label, cancel: "Отмена", danger }))) return;
      problem.hidden = true;
      setBusy(button, true, "…");
      try {
        await ctx.api.post(`${path}/${call}`);
        ctx.flash(done);
        ctx.navigate(`/users/user?id=${enc(user.id)}`);
      } catch (error) {
        problem.textContent = error.message;
        problem.hidden = false;
        setBusy(button, false);
      }
    });
    return button;
  };
  if (user.status === "disabled") {
    actions.append(act("Включить", `Сотрудник ${user.login} снова сможет войти.`, "enable", "Сотрудник включён."));
  } else {
    actions.append(
      act(
        "Сбросить пароль",
        `Все сеансы сотрудника завершатся, прежний пароль перестанет действовать, на ${user.email} уйдёт ссылка для нового пароля.`,
        "password-reset",
        `Ссылка для нового пароля отправлена на ${user.email}.`,
      ),
      act("Отключить", `Сотрудник ${user.login} не сможет войти, его сеансы завершатся сразу.`, "disable", "Сотрудник отключён.", true),
    );
  }
  // A lost phone: the secret and the recovery codes go, the sessions end, the next sign-in connects the app anew.
  // Not one's own (another administrator does it).
  if (user.totp_enrolled && user.id !== ctx.staff.id) {
    actions.append(
      act(
        "Сбросить двухфакторную защиту",
        `Все сеансы сотрудника завершатся, приложение-аутентификатор и резервные коды перестанут действовать. При следующем входе ${user.login} подключит приложение заново.`,
        "totp-reset",
        "Двухфакторная защита сброшена: при следующем входе сотрудник подключит приложение заново.",
      ),
    );
  }
  return h(
    "div",
    { class: "stack" },
    h("p", {}, h("a", { href: "#/users" }, "← Все сотрудники")),
    facts([
      ["Логин", user.login],
      ["Состояние", statusPill(user)],
      ["Последний вход", user.last_login_at ? formatDateTime(user.last_login_at) : "не входил"],
      ["Двухфакторная защита", user.totp_enrolled ? "подключена" : "не подключена (подключается при входе)"],
    ]),
    problem,
    actions,
    h("h2", {}, "Данные и роли"),
    form,
  );
}

export async function usersSection(ctx, sub) {
  if (sub === "new") return { title: "Новый сотрудник", body: newView(ctx) };
  if (sub === "user") return { title: "Сотрудник", body: await cardView(ctx) };
  return { title: "Сотрудники", body: await listView(ctx) };
}

// The page of the e-mailed link: set the password, then sign in. `onDone` shows the sign-in form.
export function passwordView(api, token, onDone) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Задать пароль");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    field({ name: "password", label: "Новый пароль", type: "password", required: true, autocomplete: "new-password",
            hint: "Не короче 8 символов, буквы и цифры" }),
    field({ name: "repeat", label: "Пароль ещё раз", type: "password", required: true, autocomplete: "new-password" }),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { password, repeat } = formValues(form);
    if (!password) return showErrors(form, "Введите пароль.", [{ path: "password", message: "Введите пароль" }]);
    if (password !== repeat) {
      return showErrors(form, "Пароли не совпадают.", [{ path: "repeat", message: "Пароли не совпадают" }]);
    }
    setBusy(button, true, "Сохранение…");
    try {
      const answer = await api.post("/staff/auth/password", { token, password }, { auth: false });
      onDone(answer.message);
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  document.title = "Пароль сотрудника";
  return h(
    "section",
    { class: "page page--narrow" },
    h("div", { class: "card" }, h("h1", { tabindex: "-1" }, "Пароль для консоли сотрудника"), form),
  );
}
