// «Лицевые счета и приборы учёта»: contracts → objects → meters, linking a contract by its number and
// one meter's serial with proof of ownership (docs/design-ownership.md), unlinking, the holder's
// «Совместный доступ» (invite, cancel, revoke), and meters the user declared themselves (seed 001).

import { tariffTitle } from "../reading-rules.js";
import {
  checkRequired,
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatDate,
  formValues,
  h,
  holdFor,
  pluralRu,
  setBusy,
  showErrors,
  statusLine,
} from "../ui.js";

const STATUS = {
  decommissioned: ["Выведен из эксплуатации", "pill--muted"],
  aiis: ["АИИС КУЭ", "pill--info"],
};

export const meterHref = (page, id) => `#/${page}?id=${encodeURIComponent(id)}`;

// "Кухня" (with the serial below) when the owner named the meter, else "Счётчик № 01234567".
export function meterName(meter) {
  return meter.label || `Счётчик № ${meter.serial}`;
}

export function meterPills(meter) {
  const pills = [];
  if (STATUS[meter.status]) {
    const [text, kind] = STATUS[meter.status];
    pills.push(h("span", { class: `pill ${kind}` }, text));
  }
  if (meter.virtual && !meter.verified) pills.push(h("span", { class: "pill pill--warn" }, "не подтверждён"));
  return pills;
}

export const acceptsManualReadings = (meter) => meter.status === "active";

export const RIGHTS = {
  holder: "Владелец договора",
  submit: "Просмотр и передача показаний",
  view: "Только просмотр",
};
const REQUEST_ACCESS = "#/accounts/request";

function meterItem(meter, canSubmit = true) {
  const meta = [meter.label ? `№ ${meter.serial}` : null, meter.model, tariffTitle(meter.zones)].filter(Boolean);
  return h(
    "li",
    { class: "meter" },
    h(
      "div",
      { class: "meter__main" },
      h("a", { class: "meter__title", href: meterHref("meter", meter.id) }, meterName(meter)),
      h("p", { class: "meter__meta" }, meta.join(" · ")),
      h("p", { class: "meter__pills" }, meterPills(meter)),
    ),
    canSubmit && acceptsManualReadings(meter)
      ? h(
          "div",
          { class: "meter__actions" },
          h("a", { class: "btn btn--small btn--primary", href: meterHref("meter/reading", meter.id) }, "Передать показания"),
        )
      : null,
  );
}

function meterList(meters, canSubmit = true) {
  if (!meters.length) return h("p", { class: "hint" }, "Приборов учёта нет.");
  return h("ul", { class: "meters" }, meters.map((meter) => meterItem(meter, canSubmit)));
}

function contractCard(ctx, contract, reload) {
  const headingId = `contract-${contract.number.replace(/[^\wа-яё-]+/gi, "-")}`;
  const unlink = h("button", { type: "button", class: "btn btn--ghost btn--small" }, "Отвязать договор");
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  unlink.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: `Отвязать договор № ${contract.number}?`,
      text:
        "Приборы учёта этого договора пропадут из личного кабинета. Переданные показания сохранятся. " +
        (contract.right === "holder"
          ? "Привязать договор снова можно в любой момент."
          : "Вернуть доступ сможет владелец договора, пригласив Вас снова."),
      confirm: "Отвязать",
      cancel: "Отмена",
      danger: true,
    });
    if (!yes) return;
    error.hidden = true;
    setBusy(unlink, true, "Отвязываем…");
    try {
      await ctx.api.delete(`/accounts/${encodeURIComponent(contract.number)}`);
      ctx.flash(`Договор № ${contract.number} отвязан от личного кабинета.`, "info");
      reload();
    } catch (err) {
      setBusy(unlink, false);
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  return h(
    "section",
    { class: "card contract", "aria-labelledby": headingId },
    h(
      "div",
      { class: "contract__head" },
      h(
        "div",
        {},
        h("h2", { id: headingId, class: "card__title" }, `Договор № ${contract.number}`),
        h("p", { class: "contract__holder" }, contract.holder_name),
        h(
          "p",
          { class: "meter__pills" },
          h("span", { class: `pill ${contract.right === "holder" ? "pill--ok" : "pill--info"}` }, RIGHTS[contract.right]),
        ),
      ),
      unlink,
    ),
    error,
    contract.objects.map((object) =>
      h(
        "section",
        { class: "object" },
        h("h3", { class: "object__title" }, object.name),
        h("p", { class: "object__meta" }, object.address, h("br"), `Лицевой счёт ${object.account}`),
        meterList(object.meters, contract.right !== "view"),
      ),
    ),
    contract.right === "holder" ? sharingPanel(ctx, contract) : null,
  );
}

// --- «Совместный доступ»: the holder's co-users and invitations -------------------------------------

function rightOptions(name) {
  return radioGroup(name, "Право", [
    ["submit", RIGHTS.submit],
    ["view", RIGHTS.view],
  ], "submit");
}

function sharingPanel(ctx, contract) {
  const base = `/accounts/${encodeURIComponent(contract.number)}`;
  const titleId = `sharing-${contract.number.replace(/[^\wа-яё-]+/gi, "-")}`;
  const list = h("div", { class: "sharing__list" }, h("p", { class: "hint" }, "Загрузка…"));
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  const done = h("div", { class: "notice notice--success", role: "status", hidden: true });

  const act = async (button, busyText, call, message) => {
    error.hidden = true;
    done.hidden = true;
    setBusy(button, true, busyText);
    try {
      await call();
      done.textContent = message;
      done.hidden = false;
      await load();
    } catch (err) {
      setBusy(button, false);
      error.textContent = err.message;
      error.hidden = false;
    }
  };

  const coUserRow = (user) => {
    const revoke = h("button", { type: "button", class: "btn btn--ghost btn--small" }, "Отменить доступ");
    revoke.addEventListener("click", async () => {
      const yes = await confirmDialog({
        title: `Отменить доступ пользователя ${user.name} к договору № ${contract.number}?`,
        text: "Договор сразу пропадёт из его личного кабинета. Пригласить снова можно в любой момент.",
        confirm: "Отменить доступ",
        cancel: "Не отменять",
        danger: true,
      });
      if (!yes) return;
      act(revoke, "Отменяем…", () => ctx.api.delete(`${base}/co-users/${encodeURIComponent(user.user_id)}`),
        `Доступ пользователя ${user.name} отменён.`);
    });
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, user.name, h("br"), h("span", { class: "hint" }, user.login)),
      h("td", { "data-label": "Право" }, RIGHTS[user.right]),
      h("td", { "data-label": "Срок" }, `с ${formatDate(user.since)}`),
      h("td", { class: "cell-action" }, revoke),
    );
  };

  const invitationRow = (invitation) => {
    const cancel = h("button", { type: "button", class: "btn btn--ghost btn--small" }, "Отменить приглашение");
    cancel.addEventListener("click", () =>
      act(cancel, "Отменяем…", () => ctx.api.delete(`${base}/invitations/${encodeURIComponent(invitation.id)}`),
        `Приглашение для ${invitation.email} отменено.`),
    );
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, invitation.email, h("br"), h("span", { class: "hint" }, "приглашение отправлено")),
      h("td", { "data-label": "Право" }, RIGHTS[invitation.right]),
      h("td", { "data-label": "Срок" }, `действует до ${formatDate(invitation.expires_at)}`),
      h("td", { class: "cell-action" }, cancel),
    );
  };

  async function load() {
    try {
      const { co_users: users, invitations } = await ctx.api.get(`${base}/co-users`);
      if (!users.length && !invitations.length) {
        list.replaceChildren(h("p", { class: "hint" }, "Доступ к договору есть только у Вас."));
        return;
      }
      const caption = `Пользователи договора № ${contract.number}`;
      list.replaceChildren(
        h(
          "div",
          { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
          h(
            "table",
            { class: "table table--stack" },
            h("caption", { class: "visually-hidden" }, caption),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Пользователь"),
                h("th", { scope: "col" }, "Право"),
                h("th", { scope: "col" }, "Срок"),
                h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Действия")),
              ),
            ),
            h("tbody", {}, users.map(coUserRow), invitations.map(invitationRow)),
          ),
        ),
      );
    } catch (err) {
      list.replaceChildren(h("div", { class: "notice notice--error", role: "alert" }, err.message));
    }
  }

  const button = h("button", { type: "submit", class: "btn btn--small btn--primary" }, "Пригласить");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "grid grid--single" },
      field({
        name: "email",
        label: "E-mail приглашаемого",
        type: "email",
        required: true,
        hint: "Родственник, арендатор, бухгалтер: мы пришлём ему ссылку, действующую 7 дней",
      }),
    ),
    rightOptions("right"),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Укажите адрес электронной почты.", problems);
    clearErrors(form);
    error.hidden = true;
    done.hidden = true;
    setBusy(button, true, "Отправляем…");
    try {
      const values = formValues(form);
      const invitation = await ctx.api.post(`${base}/invitations`, { email: values.email, right: values.right });
      setBusy(button, false);
      form.reset();
      // reset() clears a choice made by script; the usual right is chosen again.
      form.querySelector('input[name="right"][value="submit"]').checked = true;
      done.textContent = `Приглашение отправлено на ${invitation.email}.`;
      done.hidden = false;
      await load();
    } catch (err) {
      setBusy(button, false);
      showErrors(form, err.message, err.fields);
    }
  });

  load();
  return h(
    "section",
    { class: "object sharing", "aria-labelledby": titleId },
    h("h3", { id: titleId, class: "object__title" }, "Совместный доступ"),
    h(
      "p",
      { class: "object__meta" },
      "Пригласите тех, кто тоже передаёт показания или следит за расходом. Они увидят договор в своём личном " +
        "кабинете с выбранным правом; отменить доступ можно в любой момент.",
    ),
    error,
    done,
    list,
    form,
  );
}

function linkForm(ctx, onLinked) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Привязать договор");
  const wait = statusLine();
  const form = h(
    "form",
    { class: "form", novalidate: true, dataset: { draft: "link" } },
    formAlert(),
    h(
      "div",
      { class: "grid grid--single" },
      field({
        name: "contract_number",
        label: "Номер договора",
        required: true,
        hint: "Как в договоре энергоснабжения или в квитанции, например ДЭ-1001",
      }),
      field({
        name: "meter_serial",
        label: "Заводской номер счётчика",
        required: true,
        hint: "Любого действующего счётчика этого договора: остальные подключатся автоматически",
      }),
      field({
        name: "billed_reading",
        label: "Последнее показание из счёта или квитанции",
        inputmode: "decimal",
        hint:
          "Организациям и ИП — всегда; физическим лицам — если в договоре не указан СНИЛС. Показание этого " +
          "счётчика из последнего счёта или квитанции, целая часть. Физическим лицам, в договоре которых " +
          "указан СНИЛС, заполнять не нужно: договор подтверждается по СНИЛС из профиля.",
      }),
    ),
    wait,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Заполните номер договора и номер счётчика.", problems);
    clearErrors(form);
    setBusy(button, true, "Проверяем…");
    try {
      const values = formValues(form);
      if (!values.billed_reading) delete values.billed_reading;
      const tree = await ctx.api.post("/accounts", values);
      setBusy(button, false);
      form.reset();
      onLinked(tree, values.contract_number);
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
      if (error.code === "ownership_not_proven") {
        form
          .querySelector(".form-alert")
          .append(h("p", {}, h("a", { class: "btn btn--small", href: REQUEST_ACCESS }, "Запросить доступ")));
      }
      if (error.status === 429 && error.retryAfter) holdFor(button, wait, error.retryAfter, "Повторить попытку можно через");
    }
  });
  return form;
}

function declaredSection(meters) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "declared-title" },
    h("h2", { id: "declared-title", class: "card__title" }, "Заявленные счётчики"),
    h(
      "p",
      { class: "hint" },
      "Счётчики, которые Вы добавили сами. Пока сетевая компания не сверит их с данными биллинга, " +
        "они отмечены как «не подтверждён»; показания по ним можно передавать.",
    ),
    meters.length ? meterList(meters) : null,
    h("p", { class: "card__footer" }, h("a", { class: "btn btn--small", href: "#/accounts/declare" }, "Заявить счётчик")),
  );
}

function countText(tree) {
  const meters = tree.contracts.flatMap((c) => c.objects.flatMap((o) => o.meters)).length + tree.declared_meters.length;
  const contracts = tree.contracts.length;
  if (!contracts && !meters) return "";
  return (
    `${contracts} ${pluralRu(contracts, "договор", "договора", "договоров")}, ` +
    `${meters} ${pluralRu(meters, "прибор учёта", "прибора учёта", "приборов учёта")}`
  );
}

export async function accountsView(ctx) {
  let form;
  const list = h("div", { class: "contracts" });
  const summary = h("p", { class: "lead" });
  const linked = h("div", { class: "notice notice--success", role: "status", hidden: true });

  const show = (tree) => {
    summary.textContent = countText(tree);
    summary.hidden = !summary.textContent;
    list.replaceChildren(
      ...(tree.contracts.length
        ? tree.contracts.map((contract) => contractCard(ctx, contract, () => ctx.navigate("/accounts")))
        : [
            h(
              "div",
              { class: "empty" },
              h("p", {}, "Договоры ещё не привязаны."),
              h(
                "p",
                {},
                "Чтобы передавать показания и видеть карточки приборов учёта, привяжите договор: понадобятся " +
                  "его номер и заводской номер любого счётчика из него. Договор, оформленный на другого человека " +
                  "или организацию, подключается по приглашению владельца или по запросу доступа.",
              ),
              h(
                "p",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    class: "btn btn--primary",
                    onclick: () => form.elements.namedItem("contract_number").focus(),
                  },
                  "Привязать договор",
                ),
              ),
            ),
          ]),
      declaredSection(tree.declared_meters),
    );
  };

  show(await ctx.api.get("/accounts"));

  form = linkForm(ctx, (tree, number) => {
    show(tree);
    const contract = tree.contracts.find((c) => c.number.toLowerCase() === number.toLowerCase());
    const count = contract ? contract.objects.flatMap((o) => o.meters).length : 0;
    linked.textContent = contract
      ? `Договор № ${contract.number} привязан: ${count} ${pluralRu(count, "прибор учёта", "прибора учёта", "приборов учёта")}.`
      : "Договор привязан.";
    linked.hidden = false;
  });

  return h(
    "section",
    { class: "page" },
    h("h1", { tabindex: "-1" }, "Лицевые счета и приборы учёта"),
    summary,
    linked,
    h(
      "div",
      { class: "layout-aside" },
      list,
      h(
        "aside",
        { class: "aside" },
        h(
          "section",
          { class: "card", "aria-labelledby": "link-title" },
          h("h2", { id: "link-title", class: "card__title" }, "Привязать договор"),
          form,
        ),
        h(
          "section",
          { class: "card card--muted" },
          h("h2", { class: "card__title" }, "Передача показаний"),
          h(
            "p",
            {},
            "Показания принимаются с 25-го числа до последнего дня месяца. ",
            h("a", { href: "#/readings" }, "Сводка за текущий период"),
          ),
        ),
      ),
    ),
  );
}

// --- declaring a meter --------------------------------------------------------------------------

function radioGroup(name, legend, options, checked) {
  return h(
    "fieldset",
    { class: "fieldset", dataset: { field: name } },
    h("legend", {}, legend),
    h(
      "div",
      { class: "segmented" },
      options.map(([value, text]) => {
        const id = `${name}-${value}`;
        return h(
          "div",
          { class: "segmented__item" },
          h("input", { type: "radio", id, name, value: String(value), checked: String(value) === String(checked) }),
          h("label", { for: id }, text),
        );
      }),
    ),
    h("p", { class: "field-error" }),
  );
}

export function declareView(ctx) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Заявить счётчик");
  const digits = field({
    name: "digits",
    label: "Разрядность",
    required: true,
    hint: "Сколько цифр на табло до запятой",
    size: "narrow",
  });
  const digitsInput = digits.querySelector("input");
  const select = h(
    "select",
    { id: digitsInput.id, name: "digits", "aria-describedby": digitsInput.getAttribute("aria-describedby") },
    [4, 5, 6, 7, 8, 9].map((n) => h("option", { value: String(n), selected: n === 6 }, String(n))),
  );
  digitsInput.replaceWith(select);

  const form = h(
    "form",
    { class: "form", novalidate: true, dataset: { draft: "declare" } },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      field({
        name: "location",
        label: "Где установлен счётчик",
        required: true,
        hint: "Например: «на опоре у дома» или «в щитке на лестничной площадке»",
        size: "wide",
      }),
      field({ name: "account_number", label: "Номер лицевого счёта", required: true, inputmode: "numeric", hint: "Из квитанции: 4–20 цифр" }),
      field({ name: "serial", label: "Заводской номер счётчика", required: true, hint: "Латинские буквы и цифры, как на корпусе" }),
      field({ name: "model", label: "Модель", hint: "Если знаете, например «Меркурий 201»" }),
      digits,
    ),
    radioGroup("zones", "Тарифные зоны", [
      [1, "Однотарифный"],
      [2, "Двухтарифный"],
      [3, "Трёхтарифный"],
    ], 1),
    h("div", { class: "form__actions" }, button, h("a", { class: "btn btn--ghost", href: "#/accounts" }, "Отмена")),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    const values = formValues(form);
    const body = {
      location: values.location,
      account_number: values.account_number,
      serial: values.serial,
      digits: Number(values.digits),
      zones: Number(values.zones),
    };
    if (values.model) body.model = values.model;
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      const card = await ctx.api.post("/meters/virtual", body);
      ctx.flash(`Счётчик № ${card.serial} заявлен. Он будет подтверждён после сверки с данными биллинга.`);
      ctx.navigate(meterHref("meter", card.id).slice(1));
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });

  return h(
    "section",
    { class: "page page--form" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/accounts" }, "Лицевые счета и приборы учёта")),
    h(
      "div",
      { class: "card" },
      h("h1", { tabindex: "-1" }, "Заявить счётчик"),
      h(
        "p",
        { class: "lead" },
        "Если счётчика нет в привязанных договорах, добавьте его сами. До сверки с данными биллинга он " +
          "будет отмечен как «не подтверждён», а расход по нему рассчитает сетевая компания.",
      ),
      form,
    ),
  );
}
