// Two-factor sign-in of employees (chalicelib/staff_users/second_factor.py): the step after the password —
// a code from the authenticator app or a recovery code — and, at the first sign-in, connecting the app by
// its QR code, then the ten recovery codes, shown once. Also «Двухфакторная защита», where an employee
// sees how many recovery codes remain and gets new ones for a current code.

import {
  clearErrors,
  field,
  formAlert,
  formatDateTime,
  formValues,
  h,
  holdFor,
  pluralRu,
  setBusy,
  showErrors,
  statusLine,
} from "../ui.js";

const PATH = "/staff/auth/login/totp";

// The secret in groups of four, as authenticator apps show and take it.
const grouped = (secret) => secret.match(/.{1,4}/g).join(" ");

function codesList(codes) {
  return h("ol", { class: "recovery-codes", "aria-label": "Резервные коды" }, codes.map((code) => h("li", {}, h("code", {}, code))));
}

// `step`: the answer of POST /staff/auth/login. `onSignedIn()`: the session is stored; `onRestart(message)`:
// the challenge is gone (expired, too many wrong codes) — back to the password.
export function secondFactorView(api, step, { onSignedIn, onRestart }) {
  const enrol = step.second_factor === "totp_enrolment";
  const button = h("button", { type: "submit", class: "btn btn--primary" }, enrol ? "Подключить и войти" : "Подтвердить");
  const wait = statusLine();
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Код подтверждения" },
    formAlert(),
    field({
      name: "code",
      label: enrol ? "Код из приложения" : "Код из приложения или резервный код",
      required: true,
      autocomplete: "one-time-code",
      inputmode: enrol ? "numeric" : undefined,
      maxlength: 12,
      size: "narrow",
      hint: enrol ? "Шесть цифр, которые показывает приложение" : "Шесть цифр из приложения-аутентификатора; если телефона нет под рукой — один из резервных кодов",
    }),
    wait,
    h("div", { class: "form__actions" }, button, h("button", { type: "button", class: "btn btn--ghost", onclick: () => onRestart() }, "Отмена")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = (formValues(form).code || "").trim();
    if (!code) return showErrors(form, "Введите код.", [{ path: "code", message: "Введите код" }]);
    setBusy(button, true, "Проверка…");
    try {
      const session = await api.secondFactor(PATH, { challenge: step.challenge, code }, false);
      if (session.recovery_codes) {
        form.closest("section").replaceWith(recoveryCodesView(session.recovery_codes, onSignedIn));
        return;
      }
      onSignedIn();
    } catch (error) {
      setBusy(button, false);
      if (error.code === "challenge_invalid") return onRestart(error.message);
      showErrors(form, error.message, error.fields);
      if (error.status === 429 && error.retryAfter) holdFor(button, wait, error.retryAfter, "Повторить можно через");
    }
  });
  const intro = enrol
    ? [
        h("p", { class: "lead" }, "Вход в консоль защищён вторым фактором: кодом из приложения-аутентификатора на Вашем телефоне. Подключите его один раз."),
        h(
          "ol",
          { class: "totp-steps" },
          h("li", {}, "Установите приложение-аутентификатор (например, Яндекс Ключ, Google Authenticator или FreeOTP)."),
          h("li", {}, "Добавьте в нём учётную запись: отсканируйте QR-код или введите ключ вручную."),
          h("li", {}, "Введите шесть цифр, которые покажет приложение."),
        ),
        h(
          "figure",
          { class: "totp-qr" },
          h("img", { src: step.enrolment.qr_svg, alt: "QR-код для приложения-аутентификатора", width: "200", height: "200" }),
          h("figcaption", {}, "Ключ для ручного ввода: ", h("code", { class: "totp-secret" }, grouped(step.enrolment.secret))),
        ),
      ]
    : [h("p", { class: "lead" }, "Введите код из приложения-аутентификатора.")];
  document.title = enrol ? "Подключение приложения — Консоль сотрудника" : "Код подтверждения — Консоль сотрудника";
  return h(
    "section",
    { class: "page page--narrow" },
    h("div", { class: "card" }, h("h1", { tabindex: "-1" }, enrol ? "Подключение двухфакторной защиты" : "Код подтверждения"), intro, form),
  );
}

function recoveryCodesView(codes, onDone) {
  return h(
    "section",
    { class: "page page--narrow" },
    h(
      "div",
      { class: "card" },
      h("h1", { tabindex: "-1" }, "Резервные коды"),
      h(
        "p",
        { class: "lead" },
        "Приложение подключено. Сохраните эти коды в надёжном месте: каждый из них один раз заменяет код из приложения, если телефона нет под рукой. Больше они не будут показаны.",
      ),
      codesList(codes),
      h("div", { class: "form__actions" }, h("button", { type: "button", class: "btn btn--primary", onclick: () => onDone() }, "Я сохранил коды — продолжить")),
    ),
  );
}

// «Двухфакторная защита»: any employee, about his own account.
export async function securitySection(ctx) {
  const status = await ctx.api.get("/staff/auth/totp");
  const left = status.recovery_codes_left;
  const fresh = h("div", {});
  const button = h("button", { type: "submit", class: "btn" }, "Получить новые резервные коды");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Новые резервные коды" },
    formAlert(),
    field({ name: "code", label: "Текущий код из приложения", required: true, inputmode: "numeric", autocomplete: "one-time-code", maxlength: 6, size: "narrow" }),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = (formValues(form).code || "").trim();
    if (!code) return showErrors(form, "Введите код.", [{ path: "code", message: "Введите код из приложения" }]);
    setBusy(button, true, "…");
    try {
      const answer = await ctx.api.post("/staff/auth/totp/recovery-codes", { code });
      form.replaceWith(
        h("div", { class: "notice notice--success", role: "status" }, "Новые резервные коды. Прежние больше не действуют; сохраните эти — больше они не будут показаны."),
      );
      fresh.replaceChildren(codesList(answer.recovery_codes));
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return {
    title: "Двухфакторная защита",
    body: h(
      "div",
      { class: "stack" },
      h("p", {}, `Подключена ${formatDateTime(status.enrolled_at)}. Вход в консоль — по паролю и коду из приложения-аутентификатора.`),
      h(
        "p",
        { class: left ? "" : "notice" },
        left
          ? `Осталось ${left} ${pluralRu(left, "резервный код", "резервных кода", "резервных кодов")}.`
          : "Резервных кодов не осталось: получите новые.",
      ),
      h("h2", {}, "Новые резервные коды"),
      h("p", { class: "hint" }, "Если коды потеряны или почти израсходованы. Потеряли телефон — обратитесь к администратору: он сбросит защиту, и при следующем входе Вы подключите приложение заново."),
      form,
      fresh,
    ),
  };
}
