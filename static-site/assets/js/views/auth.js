// Guest pages: sign-in, registration, e-mail confirmation, password and login recovery.

import { companyInfo } from "../company.js";
import { POW_MESSAGE, proofOfWork } from "../pow.js";
import { PASSWORD_HINT, addressFields } from "./common.js";
import {
  checkRequired,
  checkbox,
  clearErrors,
  field,
  fill,
  formAlert,
  formValues,
  h,
  holdFor,
  setBusy,
  showErrors,
  statusLine,
} from "../ui.js";

function guestPage(title, ...content) {
  return h(
    "section",
    { class: "page page--narrow" },
    h("div", { class: "card" }, h("h1", { tabindex: "-1" }, title), ...content),
  );
}

// The recovery pages: a title, what to do, the form, and where to go instead.
function guestFormPage(title, text, form, ...links) {
  return guestPage(title, lead(text), form, linkList(...links));
}

function submitButton(text) {
  return h("button", { type: "submit", class: "btn btn--primary" }, text);
}

function lead(text) {
  return h("p", { class: "lead" }, text);
}

// links: [href, text] pairs, listed under a guest form.
function linkList(...links) {
  return h("ul", { class: "links" }, links.map(([href, text]) => h("li", {}, h("a", { href }, text))));
}

// A new password and its repetition (registration, reset); `passwordsMatch` checks the pair.
function newPasswordFields(label, repeatLabel) {
  return [
    field({ name: "password", label, type: "password", required: true, autocomplete: "new-password", hint: PASSWORD_HINT }),
    field({ name: "password_confirm", label: repeatLabel, type: "password", required: true, autocomplete: "new-password" }),
  ];
}

// Shows an API (or worker) error on the form; a 429 also holds the button until the wait is over.
function reportError(form, error, button, slot, holdPrefix) {
  showErrors(form, error.message, error.fields || []);
  if (error.status === 429 && error.retryAfter && slot) holdFor(button, slot, error.retryAfter, holdPrefix);
}

// The one flow of every public form behind the bot check (registration, recovery, resending the
// confirmation letter): solve the proof of work, POST with it, report progress in `status`.
// Resolves to the answer — `button` then stays busy, the caller moves on — or to null once the error
// is shown on `form` (a 429 holds `button` for the wait). `restore` re-enables the form after an error.
async function postWithProofOfWork(ctx, { form, button, status, path, body, sending, restore }) {
  clearErrors(form);
  setBusy(button, true);
  status.textContent = POW_MESSAGE;
  try {
    const pow = await proofOfWork(ctx.api);
    status.textContent = sending;
    const result = await ctx.api.post(path, { ...body, pow }, { auth: false });
    status.textContent = "";
    return result || {};
  } catch (error) {
    status.textContent = "";
    setBusy(button, false);
    restore?.();
    reportError(form, error, button, status, "Повторить можно через");
    return null;
  }
}

function passwordsMatch(values, problems, first = "password", second = "password_confirm") {
  if (values[first] && values[second] && values[first] !== values[second]) {
    problems.push({ path: second, message: "Пароли не совпадают." });
  }
}

// Only hash paths of this site (with an optional plain query, e.g. "/meter/reading?id=…") are accepted
// as the place to return to after sign-in.
function safeNext(next) {
  return next && /^\/[a-z\-/]*(\?[\w\-.=&%]*)?$/.test(next) ? next : "/";
}

// --- the confirmation letter again -------------------------------------------------------------

const RESEND_COOLDOWN_SECONDS = 60;

// «Отправить письмо ещё раз» for a lost or expired registration link. `identifier` is what the user
// already gave (e-mail or login); without one the form asks for it. The server answers the same
// whether or not such a registration exists, and the new link replaces the previous one. After a
// letter the button rests for a minute, so an impatient second click does not spend the allowance.
function resendConfirmation(ctx, { identifier = null, lead = null } = {}) {
  const button = h("button", { type: "submit", class: "btn" }, "Отправить письмо ещё раз");
  const status = statusLine();
  const sent = h("div", { class: "notice notice--success", role: "status", hidden: true });
  const form = h(
    "form",
    { class: "form resend", novalidate: true, "aria-label": "Повторное письмо для завершения регистрации" },
    formAlert(),
    lead ? h("p", {}, lead) : null,
    identifier
      ? null
      : field({ name: "identifier", label: "Логин, e-mail или телефон", required: true, autocomplete: "username" }),
    sent,
    status,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "", problems);
    sent.hidden = true;
    const result = await postWithProofOfWork(ctx, {
      form,
      button,
      status,
      path: "/auth/confirmation/resend",
      body: { identifier: identifier ?? formValues(form).identifier },
      sending: "Отправляем письмо…",
    });
    if (!result) return;
    setBusy(button, false);
    sent.textContent =
      result.message || "Если регистрация с этими данными есть, на её адрес электронной почты отправлено новое письмо.";
    sent.hidden = false;
    holdFor(button, status, RESEND_COOLDOWN_SECONDS, "Отправить письмо ещё раз можно через");
  });
  return form;
}

// --- sign-in --------------------------------------------------------------------------------

export function loginView(ctx) {
  const button = submitButton("Войти");
  const wait = statusLine();
  // Offered only after the server has accepted the password of an unconfirmed account.
  const resendSlot = h("div", { class: "resend-slot" });
  let resendFor = null;
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    field({
      name: "identifier",
      label: "Логин, e-mail или телефон",
      required: true,
      autocomplete: "username",
    }),
    field({ name: "password", label: "Пароль", type: "password", required: true, autocomplete: "current-password" }),
    checkbox({ name: "remember", label: "Запомнить меня" }),
    h("p", { class: "hint hint--after-check" }, "Не отмечайте, если входите с чужого устройства."),
    wait,
    h("div", { class: "form__actions" }, button),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Введите логин и пароль.", problems);
    const { identifier, password, remember } = formValues(form);
    clearErrors(form);
    setBusy(button, true, "Вход…");
    try {
      const user = await ctx.api.login(identifier, password, remember);
      await ctx.signedIn(user);
      ctx.navigate(safeNext(ctx.params.get("next")));
    } catch (error) {
      setBusy(button, false);
      if (error.code === "not_confirmed") {
        showErrors(form, error.message);
        if (resendFor !== identifier) {
          resendFor = identifier;
          fill(resendSlot, resendConfirmation(ctx, { identifier, lead: "Не пришло письмо или ссылка устарела?" }));
        }
      } else {
        resendFor = null;
        resendSlot.replaceChildren();
        reportError(form, error, button, wait, "Повторить вход можно через");
      }
    }
  });

  return h(
    "section",
    { class: "page page--split" },
    h(
      "div",
      { class: "card" },
      h("h1", { tabindex: "-1" }, "Вход в личный кабинет"),
      form,
      resendSlot,
      linkList(["#/forgot", "Забыли пароль?"], ["#/recover-login", "Забыли логин?"]),
      h(
        "p",
        { class: "card__footer" },
        "Впервые здесь? ",
        h("a", { href: "#/register" }, "Регистрация"),
      ),
    ),
    h(
      "div",
      { class: "aside" },
      h(
        "section",
        { class: "card card--muted" },
        h("h2", { class: "card__title" }, "Уважаемые потребители!"),
        h("p", {}, "В личном кабинете Вы можете:"),
        h(
          "ul",
          {},
          h("li", {}, "привязать договор энергоснабжения и видеть лицевые счета и приборы учёта;"),
          h("li", {}, "передавать показания счётчиков и смотреть их историю;"),
          h("li", {}, "смотреть данные АИИС КУЭ: потребление, профиль мощности, журнал событий;"),
          h("li", {}, "подавать обращения и заявки на дополнительные услуги и следить за ответом;"),
          h("li", {}, "подать заявку на технологическое присоединение и пройти её этапы;"),
          h("li", {}, "получать уведомления, в том числе о плановых и аварийных отключениях."),
        ),
        h(
          "p",
          {},
          "Без входа доступны ",
          h("a", { href: "#/outages" }, "отключения по адресу"),
          ", ",
          h("a", { href: "#/connection/calculator" }, "калькулятор стоимости присоединения"),
          " и ",
          h("a", { href: "#/connection/check" }, "проверка заявки на присоединение"),
          ".",
        ),
      ),
      companyInfo(ctx.company),
    ),
  );
}

// --- registration ---------------------------------------------------------------------------

const KINDS = [
  ["person", "Физическое лицо"],
  ["entrepreneur", "Индивидуальный предприниматель"],
  ["company", "Юридическое лицо"],
];

function relabel(fieldEl, label, hint) {
  fieldEl.querySelector("label").firstChild.textContent = label;
  const hintEl = fieldEl.querySelector(".hint");
  if (hintEl && hint) hintEl.textContent = hint;
}

function kindSelector(onChange) {
  return h(
    "fieldset",
    { class: "fieldset kinds" },
    h("legend", {}, "Вид заявителя"),
    h(
      "div",
      { class: "segmented" },
      KINDS.map(([value, text], index) => {
        const id = `kind-${value}`;
        return h(
          "div",
          { class: "segmented__item" },
          h("input", { type: "radio", id, name: "kind", value, checked: index === 0, onchange: onChange }),
          h("label", { for: id }, text),
        );
      }),
    ),
  );
}

function consentBlock(ctx, onLoaded) {
  const text = h("div", { class: "consent__text", tabindex: "0", "aria-label": "Текст согласия" }, "Загрузка текста согласия…");
  // The edition of the user agreement shown here is the one the registration records.
  const edition = h("span", { class: "consent__edition" });
  const box = h(
    "div",
    { class: "consent" },
    h("h2", { class: "fieldset__title" }, "Согласие на обработку персональных данных"),
    text,
    h(
      "p",
      { class: "consent__agreement" },
      "Регистрируясь, Вы принимаете ",
      h("a", { href: "#/info/agreement", target: "_blank", rel: "noopener" }, "пользовательское соглашение"),
      edition,
      ".",
    ),
    checkbox({
      name: "consent",
      label: "Я даю согласие на обработку моих персональных данных на приведённых выше условиях",
      required: true,
    }),
  );
  const load = async () => {
    text.textContent = "Загрузка текста согласия…";
    try {
      const [consent, agreement] = await Promise.all([
        ctx.api.get("/auth/consent", { auth: false }),
        ctx.api.get("/pages/agreement", { auth: false }),
      ]);
      text.textContent = consent.text;
      edition.textContent = ` (редакция ${agreement.version})`;
      onLoaded(consent.version, agreement.version);
    } catch (error) {
      text.replaceChildren(
        h("span", { role: "alert" }, `Не удалось загрузить текст согласия. ${error.message} `),
        h("button", { type: "button", class: "btn btn--link", onclick: load }, "Повторить"),
      );
    }
  };
  load();
  return box;
}

export function registerView(ctx) {
  let consentVersion = null;
  let agreementVersion = null;
  const button = submitButton("Зарегистрироваться");
  button.disabled = true;
  const status = statusLine();

  const person = h(
    "div",
    { class: "grid", dataset: { kinds: "person" } },
    field({ name: "last_name", label: "Фамилия", required: true, autocomplete: "family-name" }),
    field({ name: "first_name", label: "Имя", required: true, autocomplete: "given-name" }),
    field({ name: "middle_name", label: "Отчество", autocomplete: "additional-name", hint: "Если есть" }),
    field({
      name: "snils",
      label: "СНИЛС",
      required: true,
      inputmode: "numeric",
      maxlength: "14",
      hint: "11 цифр, например 112-233-445 95",
    }),
  );
  const innField = field({ name: "inn", label: "ИНН", required: true, inputmode: "numeric", maxlength: "12", hint: "" });
  const ogrnField = field({ name: "ogrn", label: "ОГРН", required: true, inputmode: "numeric", maxlength: "15", hint: "" });
  // ЮЛ only: the КПП names the company's tax registration along with its ИНН.
  const kppField = field({ name: "kpp", label: "КПП", required: true, maxlength: "9", hint: "9 символов, например 770701001" });
  const headField = field({ name: "head_name", label: "ФИО руководителя", required: true, size: "wide" });
  const shortField = field({ name: "short_name", label: "Краткое наименование", required: true, size: "wide", hint: "" });
  const org = h(
    "div",
    { class: "grid", dataset: { kinds: "entrepreneur company" } },
    shortField,
    field({ name: "full_name", label: "Полное наименование", required: true, size: "wide", autocomplete: "organization" }),
    innField,
    kppField,
    ogrnField,
    headField,
  );

  const applyKind = () => {
    const kind = form.elements.namedItem("kind").value;
    person.hidden = kind !== "person";
    org.hidden = kind === "person";
    kppField.hidden = kind !== "company";
    if (kind === "entrepreneur") {
      relabel(shortField, "Краткое наименование", "Например: ИП Иванов И. И.");
      relabel(innField, "ИНН", "12 цифр");
      relabel(ogrnField, "ОГРНИП", "15 цифр");
      relabel(headField, "ФИО индивидуального предпринимателя");
    } else if (kind === "company") {
      relabel(shortField, "Краткое наименование", "Например: ООО «Ромашка»");
      relabel(innField, "ИНН", "10 цифр");
      relabel(ogrnField, "ОГРН", "13 цифр");
      relabel(headField, "ФИО руководителя");
    }
  };

  const updateButton = () => {
    button.disabled = !(consentVersion && form.elements.namedItem("consent").checked);
  };

  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    kindSelector(() => {
      clearErrors(form);
      applyKind();
    }),
    h("fieldset", { class: "fieldset" }, h("legend", {}, "Сведения о заявителе"), person, org),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Учётная запись"),
      h(
        "div",
        { class: "grid" },
        field({
          name: "login",
          label: "Логин",
          required: true,
          autocomplete: "username",
          maxlength: "32",
          hint: "От 5 до 32 латинских букв и цифр, начинается с буквы. Изменить логин потом нельзя.",
          size: "wide",
        }),
        newPasswordFields("Пароль", "Подтверждение пароля"),
      ),
    ),
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
          hint: "На этот адрес придёт ссылка для завершения регистрации.",
        }),
        field({
          name: "phone",
          label: "Телефон",
          type: "tel",
          required: true,
          autocomplete: "tel",
          hint: "Например, +7 900 123-45-67",
        }),
      ),
    ),
    addressFields(),
    consentBlock(ctx, (version, agreement) => {
      consentVersion = version;
      agreementVersion = agreement;
      updateButton();
    }),
    status,
    h("div", { class: "form__actions" }, button),
  );
  form.elements.namedItem("consent").addEventListener("change", updateButton);
  applyKind();

  const card = h(
    "div",
    { class: "card" },
    h("h1", { tabindex: "-1" }, "Регистрация"),
    lead(
      "Поля, отмеченные звёздочкой (*), обязательны. После регистрации мы отправим письмо со ссылкой " +
        "для её завершения.",
    ),
    form,
    h("p", { class: "card__footer" }, "Уже зарегистрированы? ", h("a", { href: "#/login" }, "Войти")),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const problems = checkRequired(form);
    passwordsMatch(values, problems);
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);

    const { password_confirm: _, consent, ...body } = values;
    if (!body.middle_name) delete body.middle_name;
    if (!body.address.flat) delete body.address.flat;
    body.consent = { accepted: consent, version: consentVersion, agreement_version: agreementVersion };

    const result = await postWithProofOfWork(ctx, {
      form,
      button,
      status,
      path: "/auth/register",
      body,
      sending: "Отправляем данные…",
      restore: updateButton,
    });
    if (!result) return;
    card.replaceChildren(
      h("h1", { tabindex: "-1" }, "Проверьте почту"),
      h("div", { class: "notice notice--success", role: "status" }, result.message),
      h("p", {}, "Ссылка в письме действует 24 часа. Если письма нет, проверьте папку «Спам»."),
      resendConfirmation(ctx, {
        identifier: body.email,
        lead: "Письма нет и там, или ссылка устарела? Мы отправим новое — ссылка из прежнего письма перестанет действовать.",
      }),
      h("p", {}, h("a", { class: "btn", href: "#/login" }, "Перейти ко входу")),
    );
    card.querySelector("h1").focus();
  });

  return h("section", { class: "page page--form" }, card);
}

// --- e-mail confirmation ----------------------------------------------------------------------

export function confirmView(ctx) {
  const token = ctx.params.get("token");
  const body = h("div", { role: "status" }, h("p", {}, "Проверяем ссылку…"));
  const page = guestPage("Подтверждение адреса электронной почты", body);
  if (!token) {
    body.replaceChildren(
      h(
        "div",
        { class: "notice notice--error" },
        "В ссылке нет кода подтверждения. Откройте ссылку из письма целиком.",
      ),
    );
    return page;
  }
  (async () => {
    try {
      const result = await ctx.api.post("/auth/confirm", { token }, { auth: false });
      ctx.flash(result.message);
      // replace(): the spent link should not stay in the history.
      if (ctx.api.hasSession()) {
        await ctx.reloadUser();
        location.replace("#/profile");
      } else {
        location.replace("#/login");
      }
    } catch (error) {
      body.replaceChildren(
        h("div", { class: "notice notice--error", role: "alert" }, error.message),
        h(
          "p",
          {},
          "Ссылка действует 24 часа и только один раз; после повторной отправки письма действует только ссылка " +
            "из последнего письма. Если Вы уже перешли по ней, просто ",
          h("a", { href: "#/login" }, "войдите"),
          ".",
        ),
        resendConfirmation(ctx, {
          lead: "Если регистрация не завершена, получите новую ссылку: укажите логин, e-mail или телефон из регистрации.",
        }),
      );
    }
  })();
  return page;
}

// --- password recovery ------------------------------------------------------------------------

// The one-field form of both recoveries: an e-mail, sent behind the bot check; `sent(result, email)`
// once the server has accepted it.
function recoveryForm(ctx, { action, path, sending, sent }) {
  const button = submitButton(action);
  const status = statusLine();
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    field({ name: "email", label: "E-mail", type: "email", required: true, autocomplete: "email" }),
    status,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "", problems);
    const { email } = formValues(form);
    const result = await postWithProofOfWork(ctx, { form, button, status, path, body: { email }, sending });
    if (result) sent(result, email);
  });
  return form;
}

export function forgotView(ctx) {
  const form = recoveryForm(ctx, {
    action: "Получить код",
    path: "/auth/password/forgot",
    sending: "Отправляем код…",
    sent: (result, email) => {
      ctx.flash(result.message || "Если адрес зарегистрирован, на него отправлен код подтверждения.");
      ctx.navigate(`/reset?email=${encodeURIComponent(email)}`);
    },
  });
  return guestFormPage(
    "Восстановление пароля",
    "Укажите адрес электронной почты, который Вы указали при регистрации. Мы отправим на него код для смены пароля.",
    form,
    ["#/reset", "У меня уже есть код"],
    ["#/login", "Вернуться ко входу"],
  );
}

export function resetView(ctx) {
  const button = submitButton("Сменить пароль");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    field({
      name: "email",
      label: "E-mail",
      type: "email",
      required: true,
      autocomplete: "email",
      value: ctx.params.get("email") || "",
    }),
    field({
      name: "code",
      label: "Код из письма",
      required: true,
      inputmode: "numeric",
      autocomplete: "one-time-code",
      maxlength: "6",
      hint: "6 цифр, действует 15 минут",
      size: "narrow",
    }),
    newPasswordFields("Новый пароль", "Повтор нового пароля"),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const problems = checkRequired(form);
    passwordsMatch(values, problems);
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      await ctx.api.post(
        "/auth/password/reset",
        { email: values.email, code: values.code, password: values.password },
        { auth: false },
      );
      ctx.flash("Пароль изменён. Войдите с новым паролем.");
      ctx.navigate("/login");
    } catch (error) {
      setBusy(button, false);
      reportError(form, error);
    }
  });
  return guestFormPage(
    "Новый пароль",
    "Введите код из письма и придумайте новый пароль. После смены пароля все сеансы на других устройствах будут завершены.",
    form,
    ["#/forgot", "Код не пришёл или устарел? Запросить новый"],
    ["#/login", "Вернуться ко входу"],
  );
}

// --- login recovery ---------------------------------------------------------------------------

export function recoverLoginView(ctx) {
  const form = recoveryForm(ctx, {
    action: "Отправить",
    path: "/auth/login/recover",
    sending: "Отправляем письмо…",
    sent: (result) =>
      form.replaceWith(
        h(
          "div",
          { class: "notice notice--success", role: "status" },
          result.message || "Если адрес зарегистрирован, на него отправлено письмо с логином.",
        ),
      ),
  });
  return guestFormPage(
    "Восстановление логина",
    "Введите адрес электронной почты, указанный при регистрации. Мы отправим на него письмо с Вашим логином.",
    form,
    ["#/login", "Вернуться ко входу"],
  );
}
