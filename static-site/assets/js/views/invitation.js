// «Приглашение к договору» (#/invitation?contract=…&token=…): the link from the holder's letter. A guest
// is asked to sign in (or register) with the invited address first; a signed-in consumer accepts.

import { displayName, h, setBusy } from "../ui.js";
import { RIGHTS } from "./accounts.js";

function page(title, ...children) {
  return h(
    "section",
    { class: "page page--narrow" },
    h("div", { class: "card" }, h("h1", { tabindex: "-1" }, title), ...children),
  );
}

export function invitationView(ctx) {
  const contract = ctx.params.get("contract") || "";
  const token = ctx.params.get("token") || "";
  if (!contract || !token) {
    return page(
      "Приглашение к договору",
      h("div", { class: "notice notice--error", role: "alert" }, "Ссылка неполная. Откройте её из письма целиком."),
    );
  }
  const title = `Приглашение к договору № ${contract}`;
  const here = location.hash.replace(/^#/, "");

  if (!ctx.user) {
    return page(
      title,
      h(
        "p",
        { class: "lead" },
        "Владелец договора пригласил Вас в личном кабинете потребителя. Чтобы принять приглашение, войдите в " +
          "личный кабинет, зарегистрированный на адрес электронной почты, на который пришло письмо.",
      ),
      h(
        "p",
        {},
        "Если личного кабинета ещё нет, зарегистрируйтесь с этим адресом, подтвердите его по ссылке из письма " +
          "и снова откройте ссылку из приглашения.",
      ),
      h(
        "div",
        { class: "form__actions" },
        h("a", { class: "btn btn--primary", href: `#/login?next=${encodeURIComponent(here)}` }, "Войти"),
        h("a", { class: "btn", href: "#/register" }, "Зарегистрироваться"),
      ),
    );
  }

  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  const accept = h("button", { type: "button", class: "btn btn--primary" }, "Принять приглашение");
  accept.addEventListener("click", async () => {
    error.hidden = true;
    setBusy(accept, true, "Принимаем…");
    try {
      const tree = await ctx.api.post("/invitations/accept", { contract_number: contract, token });
      const linked = tree.contracts.find((c) => c.number === contract);
      ctx.flash(
        linked
          ? `Договор № ${contract} подключён к Вашему личному кабинету: ${RIGHTS[linked.right].toLowerCase()}.`
          : `Договор № ${contract} подключён к Вашему личному кабинету.`,
      );
      ctx.navigate("/accounts");
    } catch (err) {
      setBusy(accept, false);
      error.textContent = err.message;
      error.hidden = false;
      if (err.status !== 429) accept.hidden = true;
    }
  });
  return page(
    title,
    h(
      "p",
      { class: "lead" },
      `Вы вошли как ${displayName(ctx.user)} (${ctx.user.email}). Владелец договора № ${contract} пригласил ` +
        "Вас: после принятия договор появится в разделе «Лицевые счета и приборы учёта» с правом, которое он выбрал.",
    ),
    error,
    h(
      "div",
      { class: "form__actions" },
      accept,
      h("a", { class: "btn btn--ghost", href: "#/accounts" }, "Не сейчас"),
    ),
  );
}
