// The grid-connection application wizard (seeds 001, 002): kind of application (category and reason) →
// applicant and contacts (prefilled from the profile) → object → technical data (the total power
// computed as one types) → documents (those the category requires, uploaded with progress) → preview
// → submit. Every step is saved to the draft on «Далее», «Назад» and «Сохранить черновик», so a draft
// can be left and resumed; «Далее» also shows what the step still lacks (the card's `problems`).

import { connectionPill, facts, kw, selectField, textField } from "../cases-common.js";
import {
  CATEGORIES,
  CONTRACTS,
  DOCUMENTS,
  MAX_STAGES,
  MAX_TEMPORARY_MONTHS,
  NO_POWER_REASONS,
  OWNERSHIP,
  REASONS,
  RELIABILITY,
  SETTLEMENTS,
  kwValue,
  totalKw,
  voltageTitle,
  voltagesUpTo,
} from "../connection-rules.js";
import { downloadFile, filePicker, formatSize } from "../uploads.js";
import {
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatDay,
  formatPhone,
  formValues,
  h,
  setBusy,
  showErrors,
} from "../ui.js";

// [code, title, the problem paths it owns, the short title of the step bar]
const STEPS = [
  ["kind", "Вид заявки", ["category", "reason"], "Вид заявки"],
  ["applicant", "Заявитель и контакты", ["applicant."], "Заявитель"],
  ["object", "Объект", ["object."], "Объект"],
  ["technical", "Технические данные", ["technical."], "Технические данные"],
  ["documents", "Документы", ["documents."], "Документы"],
  ["preview", "Предпросмотр", [], "Предпросмотр"],
];
const OBJECT_NAMES = ["Индивидуальный жилой дом", "Садовый дом", "Гараж", "Нежилое помещение", "Строительная площадка", "Торговый павильон"];
// Problems the server names by a group rather than a control: told with the group's name.
// The server's word for an empty required field (chalicelib/connection/rules.py).
const REQUIRED = "Обязательное поле";
const GROUP_LABELS = {
  "applicant.passport": "Паспорт",
  "applicant.egr_record": "Запись в государственном реестре",
  "technical.stages": "Этапы",
};

const base = "/connection-applications";
const enc = encodeURIComponent;
export const wizardHref = (id, step) => `#/connection/edit?id=${enc(id)}&step=${step}`;

const stepOf = (code) => STEPS.find(([s]) => s === code);
const problemsOf = (card, code) => card.problems.filter((p) => stepOf(code)[2].some((prefix) => p.path === prefix || p.path.startsWith(prefix)));

// Shows problems at their controls: a path naming a group («applicant.passport») goes to the group's
// first control, or to the group's own error slot ([data-field] of a fieldset or a file picker);
// anything else is listed at the top, with the group's name.
function showProblems(form, message, problems) {
  const names = [...form.elements].map((el) => el.name).filter(Boolean);
  const placed = [];
  const grouped = [];
  for (const { path, message: text } of problems) {
    const first = names.includes(path) ? path : names.find((name) => name.startsWith(`${path}.`));
    const slot = first ? null : form.querySelector(`[data-field="${CSS.escape(path)}"] .field-error`);
    if (first) placed.push({ path: first, message: text });
    else if (slot) grouped.push([slot, text]);
    else placed.push({ path: "", message: GROUP_LABELS[path] ? `${GROUP_LABELS[path]}: ${text}` : text });
  }
  showErrors(form, message, placed);
  for (const [slot, text] of grouped) {
    slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    slot.closest("[data-field]").classList.add("field--invalid");
  }
}

// Drops empty strings, empty objects and nulls: a section is sent with what was filled only.
function compact(value) {
  if (Array.isArray(value)) return value.map(compact);
  if (value && typeof value === "object") {
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      const clean = compact(item);
      if (clean === "" || clean === null || clean === undefined) continue;
      if (typeof clean === "object" && !Array.isArray(clean) && !Object.keys(clean).length) continue;
      out[key] = clean;
    }
    return out;
  }
  return value;
}

function choiceGroup({ name, legend, options, checked, hint, cards = false }) {
  return h(
    "fieldset",
    { class: "fieldset", dataset: { field: name } },
    h("legend", {}, legend, h("span", { class: "req", "aria-hidden": "true" }, " *")),
    hint ? h("p", { class: "hint" }, hint) : null,
    h(
      "div",
      { class: cards ? "choices" : "segmented segmented--two" },
      options.map(([value, title, text]) => {
        const id = `${name.replace(/\W+/g, "-")}-${value}`;
        return h(
          "div",
          { class: cards ? "choice" : "segmented__item" },
          h("input", { type: "radio", id, name, value, checked: value === checked }),
          h("label", { for: id }, cards ? [h("span", { class: "choice__title" }, title), h("span", { class: "choice__text" }, text)] : title),
        );
      }),
    ),
    h("p", { class: "field-error" }),
  );
}

function checkField({ name, label, checked, hint }) {
  const id = `${name.replace(/\W+/g, "-")}-check`;
  return h(
    "div",
    { class: "check", dataset: { field: name } },
    h("input", { type: "checkbox", id, name, checked: Boolean(checked), "aria-describedby": hint ? `${id}-hint` : false }),
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    h("p", { class: "field-error" }),
  );
}

const text = (value) => (value === null || value === undefined ? "" : String(value));
const kwText = (value) => (value === null || value === undefined ? "" : String(value).replace(".", ","));

// --- steps ----------------------------------------------------------------------------------------
// Each step: fields(card, ctx) → the form's content; collect(form, card) → the PATCH body.

function kindFields(card, ctx) {
  const kind = ctx.user.kind;
  const open = Object.entries(CATEGORIES).filter(([, rule]) => rule.kinds.includes(kind));
  const category = card?.category || open[0][0];
  const reasonBox = h("div", {});
  const showReasons = (code, checked) => {
    const reasons = CATEGORIES[code].reasons;
    reasonBox.replaceChildren(
      choiceGroup({
        name: "reason",
        legend: "В связи с",
        options: reasons.map((r) => [r, REASONS[r]]),
        checked: reasons.includes(checked) ? checked : reasons[0],
      }),
    );
  };
  showReasons(category, card?.reason || "first");
  const categories = choiceGroup({
    name: "category",
    legend: "Категория заявителя",
    options: open.map(([code, rule]) => [code, rule.title, rule.text]),
    checked: category,
    cards: true,
  });
  categories.addEventListener("change", (event) => {
    const current = reasonBox.querySelector("input:checked")?.value;
    showReasons(event.target.value, current);
  });
  return [categories, reasonBox];
}

const kindCollect = (form) => {
  const { category, reason } = formValues(form);
  return { category, reason };
};

function applicantFields(card) {
  const a = card.applicant;
  const person = card.applicant_kind === "person";
  const repName = field({
    name: "applicant.representative_name",
    label: "Представитель (ФИО или наименование)",
    required: true,
    value: text(a.representative_name),
    hint: "Доверенность приложите на шаге «Документы»",
    size: "wide",
  });
  const repBox = h("div", { class: "grid", hidden: !a.representative }, repName);
  const representative = checkField({ name: "applicant.representative", label: "Заявка подаётся представителем заявителя", checked: a.representative });
  representative.querySelector("input").addEventListener("change", (event) => {
    repBox.hidden = !event.target.checked;
  });

  let identity;
  if (person) {
    const actual = field({ name: "applicant.actual_address", label: "Фактический адрес проживания", value: text(a.actual_address), hint: "Индекс и адрес", size: "wide" });
    const actualInput = actual.querySelector("input");
    const same = checkField({ name: "same_address", label: "Совпадает с адресом регистрации" });
    const sameInput = same.querySelector("input");
    sameInput.removeAttribute("name"); // a page control, not a field of the application
    same.dataset.field = "";
    sameInput.addEventListener("change", () => {
      actual.hidden = sameInput.checked;
      if (!sameInput.checked) actualInput.focus();
    });
    identity = [
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", {}, "Реквизиты физического лица"),
        h(
          "div",
          { class: "grid" },
          field({ name: "applicant.last_name", label: "Фамилия", required: true, value: text(a.last_name), autocomplete: "family-name", size: "narrow" }),
          field({ name: "applicant.first_name", label: "Имя", required: true, value: text(a.first_name), autocomplete: "given-name", size: "narrow" }),
          field({ name: "applicant.middle_name", label: "Отчество", value: text(a.middle_name), autocomplete: "additional-name", size: "narrow" }),
        ),
        a.snils ? h("p", { class: "hint" }, `СНИЛС: ${a.snils} (из профиля)`) : null,
      ),
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", {}, "Паспорт"),
        h(
          "div",
          { class: "grid" },
          field({ name: "applicant.passport.series", label: "Серия", required: true, inputmode: "numeric", maxlength: "4", value: text(a.passport?.series), hint: "4 цифры", size: "narrow" }),
          field({ name: "applicant.passport.number", label: "Номер", required: true, inputmode: "numeric", maxlength: "6", value: text(a.passport?.number), hint: "6 цифр", size: "narrow" }),
          field({ name: "applicant.passport.issued_on", label: "Дата выдачи", type: "date", required: true, value: text(a.passport?.issued_on), size: "narrow" }),
          field({ name: "applicant.passport.issued_by", label: "Кем выдан", required: true, value: text(a.passport?.issued_by), size: "wide" }),
        ),
      ),
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", {}, "Адреса"),
        h(
          "div",
          { class: "grid" },
          field({ name: "applicant.registration_address", label: "Адрес регистрации", required: true, value: text(a.registration_address), hint: "Индекс и адрес", size: "wide" }),
        ),
        same,
        h("div", { class: "grid" }, actual),
      ),
    ];
    // Collect copies the registration address when the box is ticked (see applicantCollect).
    sameInput.dataset.copies = "applicant.actual_address";
  } else {
    const egrLabel = card.applicant_kind === "entrepreneur" ? "ЕГРИП" : "ЕГРЮЛ";
    identity = [
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", {}, card.applicant_kind === "entrepreneur" ? "Индивидуальный предприниматель" : "Организация"),
        h(
          "div",
          { class: "grid" },
          field({ name: "applicant.short_name", label: "Краткое наименование", required: true, value: text(a.short_name), size: "wide" }),
          field({ name: "applicant.full_name", label: "Полное наименование", required: true, value: text(a.full_name), size: "wide" }),
          field({
            name: "applicant.head_name",
            label: "ФИО руководителя",
            required: card.applicant_kind === "company",
            value: text(a.head_name),
            size: "wide",
          }),
          field({ name: "applicant.egr_record.number", label: `Номер записи в ${egrLabel}`, required: true, inputmode: "numeric", maxlength: "15", value: text(a.egr_record?.number), hint: "13 или 15 цифр" }),
          field({ name: "applicant.egr_record.date", label: "Дата внесения записи", type: "date", required: true, value: text(a.egr_record?.date) }),
        ),
        h("p", { class: "hint" }, [a.inn ? `ИНН: ${a.inn}` : null, a.ogrn ? `${card.applicant_kind === "entrepreneur" ? "ОГРНИП" : "ОГРН"}: ${a.ogrn}` : null].filter(Boolean).join(", "), " (из профиля)"),
      ),
      h(
        "fieldset",
        { class: "fieldset" },
        h("legend", {}, "Адреса"),
        h(
          "div",
          { class: "grid" },
          field({ name: "applicant.legal_address", label: "Юридический адрес", required: true, value: text(a.legal_address), hint: "Индекс и адрес", size: "wide" }),
          field({ name: "applicant.postal_address", label: "Почтовый адрес", value: text(a.postal_address), hint: "Если отличается от юридического", size: "wide" }),
        ),
      ),
    ];
  }
  return [
    identity,
    h("fieldset", { class: "fieldset" }, h("legend", {}, "Представитель"), representative, repBox),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Контактные данные"),
      h("p", { class: "hint" }, "На них придут номер заявки и уведомления об изменении статуса (SMS и e-mail)."),
      h(
        "div",
        { class: "grid" },
        field({ name: "applicant.phone", label: "Телефон", type: "tel", required: true, autocomplete: "tel", value: a.phone ? formatPhone(a.phone) : "" }),
        field({ name: "applicant.email", label: "Электронная почта", type: "email", required: true, autocomplete: "email", value: text(a.email) }),
      ),
    ),
  ];
}

function applicantCollect(form) {
  const applicant = formValues(form).applicant || {};
  const same = form.querySelector("[data-copies]");
  if (same?.checked) applicant.actual_address = applicant.registration_address;
  if (!applicant.representative) delete applicant.representative_name;
  return { applicant: compact(applicant) };
}

function objectFields(card) {
  const o = card.object;
  const listId = "object-names";
  const name = field({ name: "object.name", label: "Объект", required: true, value: text(o.name), hint: "Выберите из списка или впишите свой", size: "wide" });
  name.querySelector("input").setAttribute("list", listId);
  const ownership = selectField({
    name: "object.ownership",
    label: "Основание владения",
    required: true,
    placeholder: "Выберите основание",
    options: Object.entries(OWNERSHIP),
    value: text(o.ownership),
  });
  return [
    h("datalist", { id: listId }, OBJECT_NAMES.map((n) => h("option", { value: n }))),
    h(
      "div",
      { class: "grid" },
      name,
      field({ name: "object.address", label: "Адрес объекта", required: true, value: text(o.address), hint: "Населённый пункт, улица, дом или номер участка", size: "wide" }),
      field({
        name: "object.cadastral_number",
        label: "Кадастровый номер земельного участка",
        required: card.category !== "temporary",
        value: text(o.cadastral_number),
        hint: "Из выписки ЕГРН, например 36:34:0605001:215",
      }),
      ownership,
    ),
    choiceGroup({
      name: "object.settlement",
      legend: "Местность",
      options: Object.entries(SETTLEMENTS),
      checked: o.settlement,
      hint: "От неё и от расстояния до сетей зависит срок присоединения",
    }),
    h(
      "div",
      { class: "grid" },
      field({
        name: "object.grid_distance_m",
        label: "Расстояние до ближайших электрических сетей, м",
        inputmode: "numeric",
        value: text(o.grid_distance_m),
        hint: "Если знаете; по прямой до ближайшей опоры или подстанции",
      }),
    ),
  ];
}

function objectCollect(form) {
  return { object: compact(formValues(form).object || {}) };
}

function stagesBox(stages, hint) {
  const rows = h("div", { class: "street-rows" });
  const add = h("button", { type: "button", class: "btn btn--ghost btn--small" }, "Добавить этап");
  const reindex = () => {
    [...rows.children].forEach((row, i) => {
      row.querySelector(".stage__title").textContent = `Этап ${i + 1}`;
      for (const el of row.querySelectorAll("[data-key]")) {
        const name = `technical.stages.${i}.${el.dataset.key}`;
        el.closest("[data-field]").dataset.field = name;
        el.name = name;
      }
    });
    add.hidden = rows.children.length >= MAX_STAGES;
  };
  const addRow = (stage = {}) => {
    const cells = [
      field({ name: "design_until", label: "Окончание проектирования", type: "date", required: true, value: text(stage.design_until), size: "narrow" }),
      field({ name: "commissioning", label: "Ввод в эксплуатацию", type: "date", required: true, value: text(stage.commissioning), size: "narrow" }),
      field({ name: "power_kw", label: "Мощность, кВт", required: true, inputmode: "decimal", value: kwText(stage.power_kw), size: "narrow" }),
    ];
    for (const cell of cells) {
      const control = cell.querySelector("input");
      control.dataset.key = control.name;
    }
    const remove = h("button", { type: "button", class: "btn btn--ghost btn--small street-row__remove" }, "Убрать этап");
    const row = h("div", { class: "stage" }, h("p", { class: "stage__title" }), h("div", { class: "grid" }, cells), remove);
    remove.addEventListener("click", () => {
      row.remove();
      reindex();
      add.focus();
    });
    rows.append(row);
    reindex();
    return row;
  };
  add.addEventListener("click", () => addRow().querySelector("input").focus());
  (stages || []).forEach(addRow);
  reindex();
  return h(
    "fieldset",
    { class: "fieldset", dataset: { field: "technical.stages" } },
    h("legend", {}, "Сроки проектирования и поэтапного ввода в эксплуатацию"),
    h("p", { class: "hint" }, hint),
    rows,
    h("p", { class: "field-error" }),
    h("div", { class: "form__actions" }, add),
  );
}

function technicalFields(card) {
  const t = card.technical;
  const rule = CATEGORIES[card.category];
  const organisation = card.applicant_kind !== "person";
  const noPower = NO_POWER_REASONS.includes(card.reason);
  const requested = field({
    name: "technical.requested_kw",
    label: "Запрашиваемая максимальная мощность, кВт",
    required: true,
    inputmode: "decimal",
    value: noPower && t.requested_kw === null ? "0" : kwText(t.requested_kw),
    hint: noPower ? "При этом основании мощность не увеличивается: укажите 0" : "До трёх знаков после запятой",
  });
  const previous = field({
    name: "technical.previous_kw",
    label: "Ранее присоединённая мощность, кВт",
    inputmode: "decimal",
    value: card.reason === "first" ? "0" : kwText(t.previous_kw),
    hint: "Из акта о технологическом присоединении",
  });
  previous.hidden = card.reason === "first";
  const total = h("output", { class: "total__value", id: "total-kw" });
  const update = () => {
    const value = totalKw(requested.querySelector("input").value, previous.hidden ? "0" : previous.querySelector("input").value);
    total.textContent = value === null ? "—" : `${value} кВт`;
  };
  for (const box of [requested, previous]) box.querySelector("input").addEventListener("input", update);
  update();

  const reliabilities = rule.reliabilities;
  const reliability = selectField({
    name: "technical.reliability",
    label: "Категория надёжности",
    options: reliabilities.map((r) => [r, r === "III" ? `${RELIABILITY[r]} (по умолчанию)` : RELIABILITY[r]]),
    value: reliabilities.includes(t.reliability) ? t.reliability : "III",
    hint: reliabilities.length === 1 ? "Для этой категории — один источник питания" : "I и II категории — два независимых источника питания",
  });
  const reliabilitySelect = reliability.querySelector("select");
  const justification = textField({
    name: "technical.reliability_justification",
    label: "Обоснование категории надёжности",
    required: true,
    max: 1000,
    rows: 3,
    value: text(t.reliability_justification),
  });
  const showJustification = () => {
    justification.hidden = reliabilitySelect.value === "III" && card.category !== "over_670";
  };
  reliabilitySelect.addEventListener("change", showJustification);
  showJustification();

  return [
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Мощность"),
      h(
        "div",
        { class: "grid" },
        requested,
        previous,
        h("div", { class: "field total", "aria-live": "polite" }, h("label", { for: "total-kw" }, "Общая максимальная мощность"), total, h("p", { class: "hint" }, "Запрашиваемая плюс ранее присоединённая")),
      ),
    ),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Параметры присоединения"),
      h(
        "div",
        { class: "grid" },
        selectField({
          name: "technical.voltage",
          label: "Класс напряжения",
          required: true,
          placeholder: "Выберите напряжение",
          options: voltagesUpTo(rule.maxVoltage).map((v) => [v, voltageTitle(v)]),
          value: text(t.voltage),
          hint: card.category === "household_15" ? "0,23 кВ — одна фаза, 0,4 кВ — три фазы" : undefined,
        }),
        reliability,
        organisation
          ? field({ name: "technical.okved", label: "Вид нагрузки (код ОКВЭД)", required: true, value: text(t.okved), hint: "Например, 47.11", size: "narrow" })
          : null,
        card.category === "temporary"
          ? selectField({
              name: "technical.temporary_months",
              label: "Срок электроснабжения по временной схеме",
              required: true,
              placeholder: "Выберите срок",
              options: Array.from({ length: MAX_TEMPORARY_MONTHS }, (_, i) => [String(i + 1), `${i + 1} мес.`]),
              value: text(t.temporary_months),
            })
          : null,
      ),
      justification,
    ),
    rule.stages === "forbidden"
      ? null
      : stagesBox(
          t.stages,
          rule.stages === "required"
            ? "Обязательно для этой категории. Сумма мощностей этапов равна запрашиваемой мощности."
            : "Если мощность вводится по очереди. Сумма мощностей этапов равна запрашиваемой мощности.",
        ),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Договор"),
      choiceGroup({ name: "technical.contract_type", legend: "Вид договора в отношении энергопринимающих устройств", options: Object.entries(CONTRACTS), checked: t.contract_type }),
      h(
        "div",
        { class: "grid" },
        field({ name: "technical.retail_company", label: "Энергосбытовая организация", required: true, value: text(t.retail_company), hint: "С которой будет заключён договор", size: "wide" }),
      ),
      organisation && card.category === "upto_150"
        ? checkField({ name: "technical.instalments", label: "Рассрочка платежа", checked: t.instalments, hint: "Для мощности свыше 15 до 150 кВт включительно" })
        : null,
    ),
  ];
}

function technicalCollect(form) {
  const values = formValues(form).technical || {};
  for (const name of ["requested_kw", "previous_kw"]) if (name in values) values[name] = kwValue(values[name]);
  if (values.stages) {
    values.stages = Object.keys(values.stages)
      .sort((a, b) => a - b)
      .map((i) => ({ ...values.stages[i], power_kw: kwValue(values.stages[i].power_kw) }));
  }
  return { technical: compact(values) };
}

// Documents: each required kind with its files and an upload; then the optional kinds.
function documentsFields(card, ctx, state) {
  const sections = new Map();
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  const fail = (err) => {
    error.textContent = err.message;
    error.hidden = false;
  };

  const attach = async (kind, file) => {
    state.card = await ctx.api.post(`${base}/${enc(card.id)}/documents`, { kind, upload_ids: [file.id] });
    refresh();
  };

  const fileRows = (kind) =>
    state.card.documents
      .filter((d) => d.kind === kind)
      .map((doc) => {
        const remove = doc.editable ? h("button", { type: "button", class: "btn btn--link" }, "Удалить") : null;
        remove?.setAttribute("aria-label", `Удалить ${doc.name}`);
        remove?.addEventListener("click", async () => {
          error.hidden = true;
          setBusy(remove, true);
          try {
            await ctx.api.delete(`${base}/${enc(card.id)}/documents/${enc(doc.id)}`);
            state.card = await ctx.api.get(`${base}/${enc(card.id)}`);
            refresh();
          } catch (err) {
            setBusy(remove, false);
            fail(err);
          }
        });
        const get = h("button", { type: "button", class: "btn btn--link", "aria-label": `Скачать ${doc.name}` }, "Скачать");
        get.addEventListener("click", () => downloadFile(ctx.api, `${base}/${enc(card.id)}/documents/${enc(doc.id)}/download`).catch(fail));
        return h(
          "li",
          { class: "files-list__item" },
          h("span", { class: "files-list__name" }, doc.name),
          h("span", { class: "files-list__meta" }, formatSize(doc.size)),
          get,
          remove,
        );
      });

  const section = (kind, title, required) => {
    const status = h("span", {});
    const list = h("ul", { class: "files-list" });
    const picker = filePicker({
      api: ctx.api,
      purpose: "connection_application",
      name: `documents.${kind}`,
      label: title,
      titleHidden: true,
      hint: "Скан или фото. ",
      attach: (file) => attach(kind, file),
    });
    sections.set(kind, { status, list, required });
    return h(
      "section",
      { class: "doc", "aria-label": title },
      h("h3", { class: "doc__title" }, title, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null, " ", status),
      list,
      picker.element,
    );
  };

  const refresh = () => {
    const present = new Set(state.card.documents.map((d) => d.kind));
    for (const [kind, { status, list, required }] of sections) {
      status.replaceChildren(
        required
          ? h("span", { class: `pill ${present.has(kind) ? "pill--ok" : "pill--warn"}` }, present.has(kind) ? "Приложен" : "Не приложен")
          : null,
      );
      list.replaceChildren(...fileRows(kind));
      list.hidden = !list.children.length;
    }
  };

  const required = card.required_documents.map((d) => d.kind);
  const optional = Object.keys(DOCUMENTS).filter((k) => !required.includes(k));
  const view = [
    h("p", { class: "hint" }, "Каждый документ — одним файлом PDF (или архивом ZIP, RAR), сканы и фото — JPG или PNG. Файл сохраняется в черновике сразу после загрузки."),
    error,
    h("h3", { class: "subhead" }, "Обязательные документы"),
    card.required_documents.map((d) => section(d.kind, d.title, true)),
    h(
      "details",
      { class: "more", open: optional.some((k) => card.documents.some((d) => d.kind === k)) },
      h("summary", {}, "Другие документы (по желанию)"),
      optional.map((kind) => section(kind, DOCUMENTS[kind], false)),
    ),
  ];
  refresh();
  return view;
}

// --- preview ------------------------------------------------------------------------------------

function previewFields(card) {
  const a = card.applicant;
  const o = card.object;
  const t = card.technical;
  const person = card.applicant_kind === "person";
  const edit = (step, title) => h("a", { class: "preview__edit", href: wizardHref(card.id, step), "aria-label": `Изменить: ${title}` }, "Изменить");
  const block = (title, step, rows) =>
    h(
      "section",
      { class: "preview" },
      h("div", { class: "preview__head" }, h("h3", { class: "subhead" }, title), edit(step, title)),
      rows.length ? facts(rows) : h("p", { class: "hint" }, "Не заполнено."),
    );
  const passport = a.passport ? `${a.passport.series} ${a.passport.number}, выдан ${formatDay(a.passport.issued_on)} ${a.passport.issued_by}` : null;
  return [
    block("Вид заявки", "kind", [
      ["Категория", card.category_title],
      ["В связи с", card.reason_title],
    ]),
    block("Заявитель и контакты", "applicant", [
      ...(person
        ? [
            ["ФИО", [a.last_name, a.first_name, a.middle_name].filter(Boolean).join(" ")],
            ["СНИЛС", a.snils],
            ["Паспорт", passport],
            ["Адрес регистрации", a.registration_address],
            ["Фактический адрес", a.actual_address],
          ]
        : [
            ["Наименование", a.full_name || a.short_name],
            ["Руководитель", a.head_name],
            ["ИНН", a.inn],
            ["ОГРН", a.ogrn],
            ["Запись в реестре", a.egr_record ? `№ ${a.egr_record.number} от ${formatDay(a.egr_record.date)}` : null],
            ["Юридический адрес", a.legal_address],
            ["Почтовый адрес", a.postal_address],
          ]),
      ["Представитель", a.representative ? a.representative_name : null],
      ["Телефон", a.phone ? formatPhone(a.phone) : null],
      ["E-mail", a.email],
    ]),
    block("Объект", "object", [
      ["Объект", o.name],
      ["Адрес", o.address],
      ["Кадастровый номер", o.cadastral_number],
      ["Основание владения", OWNERSHIP[o.ownership]],
      ["Местность", SETTLEMENTS[o.settlement]],
      ["Расстояние до сетей", o.grid_distance_m !== null && o.grid_distance_m !== undefined ? `${o.grid_distance_m} м` : null],
    ]),
    block("Технические данные", "technical", [
      ["Запрашиваемая мощность", t.requested_kw !== null ? kw(t.requested_kw) : null],
      ["Ранее присоединённая", card.reason === "first" ? null : kw(t.previous_kw)],
      ["Общая максимальная мощность", card.total_kw !== null ? kw(card.total_kw) : null],
      ["Класс напряжения", t.voltage ? voltageTitle(t.voltage) : null],
      ["Категория надёжности", RELIABILITY[t.reliability]],
      ["Обоснование", t.reliability_justification],
      ["Вид нагрузки (ОКВЭД)", t.okved],
      ["Срок временного электроснабжения", t.temporary_months ? `${t.temporary_months} мес.` : null],
      ["Этапы", t.stages?.length ? t.stages.map((s, i) => h("span", { class: "cell-line" }, `${i + 1}: проектирование до ${formatDay(s.design_until)}, ввод ${formatDay(s.commissioning)}, ${kw(s.power_kw)}`)) : null],
      ["Договор", CONTRACTS[t.contract_type]],
      ["Энергосбытовая организация", t.retail_company],
      ["Рассрочка платежа", t.instalments ? "Да" : null],
    ]),
    block("Документы", "documents", card.documents.map((d) => [d.kind_title, d.name])),
  ];
}

// --- the page -----------------------------------------------------------------------------------

function stepper(card, step) {
  return h(
    "nav",
    { class: "steps-nav", "aria-label": "Шаги заявки" },
    h(
      "ol",
      { class: "steps" },
      STEPS.map(([code, , , short], i) => {
        const current = code === step;
        const mark = h("span", { class: "steps__number", "aria-hidden": "true" }, String(i + 1));
        const lacking = card && code !== "preview" && code !== step && problemsOf(card, code).length;
        const body = [mark, h("span", { class: "steps__title" }, short), lacking ? h("span", { class: "visually-hidden" }, " (не заполнено)") : null];
        return h(
          "li",
          { class: `steps__item${current ? " steps__item--current" : ""}${lacking ? " steps__item--lacking" : ""}` },
          current || !card
            ? h("span", { class: "steps__link", "aria-current": current ? "step" : false }, body)
            : h("a", { class: "steps__link", href: wizardHref(card.id, code), dataset: { step: code } }, body),
        );
      }),
    ),
  );
}

const SECTIONS = {
  kind: [kindFields, kindCollect],
  applicant: [applicantFields, applicantCollect],
  object: [objectFields, objectCollect],
  technical: [technicalFields, technicalCollect],
  documents: [documentsFields, null],
  preview: [previewFields, null],
};

export async function wizardView(ctx) {
  const id = ctx.params.get("id");
  let step = stepOf(ctx.params.get("step")) ? ctx.params.get("step") : "kind";
  const state = { card: null };
  if (id) {
    state.card = await ctx.api.get(`${base}/${enc(id)}`);
    if (state.card.status !== "draft") {
      return h(
        "section",
        { class: "page page--narrow" },
        h("h1", { tabindex: "-1" }, `Заявка № ${state.card.number}`),
        h("div", { class: "notice" }, "Заявка уже отправлена: изменить её нельзя."),
        h("p", {}, h("a", { class: "btn", href: `#/connection/application?id=${enc(id)}` }, "Открыть заявку")),
      );
    }
  } else {
    step = "kind";
  }
  const card = state.card;
  const index = STEPS.findIndex(([code]) => code === step);
  const [fieldsOf, collect] = SECTIONS[step];

  const next = h("button", { type: "submit", class: "btn btn--primary" }, step === "preview" ? "Отправить заявку" : "Далее");
  const back = index > 0 ? h("button", { type: "button", class: "btn" }, "Назад") : null;
  const keep = card && step !== "preview" ? h("button", { type: "button", class: "btn btn--ghost" }, "Сохранить черновик") : null;
  const form = h(
    "form",
    { class: "form wizard", novalidate: true },
    formAlert(),
    fieldsOf(card, ctx, state),
    h("div", { class: "form__actions wizard__actions" }, back, next, keep),
  );

  // Saves the step. strict: stay when the step still lacks something (and say what).
  const save = async (strict) => {
    clearErrors(form);
    if (!card) {
      const created = await ctx.api.post(base, kindCollect(form));
      return created;
    }
    state.card = collect ? await ctx.api.patch(`${base}/${enc(card.id)}`, collect(form)) : await ctx.api.get(`${base}/${enc(card.id)}`);
    const lacking = strict ? problemsOf(state.card, step) : [];
    if (lacking.length) {
      showProblems(form, "Черновик сохранён. Заполните отмеченные поля, чтобы перейти дальше.", lacking);
      return null;
    }
    return state.card;
  };

  const go = async (button, target, strict, busyText) => {
    setBusy(button, true, busyText);
    try {
      const saved = await save(strict);
      setBusy(button, false);
      if (!saved) return;
      if (target === "card") {
        ctx.flash("Черновик сохранён. Продолжить заполнение можно в любой момент.");
        ctx.navigate(`/connection/application?id=${enc(saved.id)}`);
      } else {
        ctx.navigate(wizardHref(saved.id, target).slice(1));
      }
    } catch (error) {
      setBusy(button, false);
      showProblems(form, error.message, error.fields || []);
    }
  };

  const submit = async () => {
    const yes = await confirmDialog({
      title: "Отправить заявку?",
      text: "После отправки изменить заявку будет нельзя. Номер заявки и ориентировочный срок рассмотрения придут по SMS и на электронную почту.",
      confirm: "Отправить",
      cancel: "Вернуться к проверке",
    });
    if (!yes) return;
    setBusy(next, true, "Отправляем…");
    try {
      const sent = await ctx.api.post(`${base}/${enc(card.id)}/submit`);
      ctx.flash(
        `Заявка отправлена и зарегистрирована под номером ${sent.number}.` +
          (sent.estimated_review_due ? ` Ориентировочный срок рассмотрения — до ${formatDay(sent.estimated_review_due)}.` : ""),
      );
      ctx.navigate(`/connection/application?id=${enc(sent.id)}`);
    } catch (error) {
      setBusy(next, false);
      showProblems(form, error.message, error.fields || []);
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (step === "preview") submit();
    else go(next, STEPS[index + 1][0], true, "Сохраняем…");
  });
  back?.addEventListener("click", () => go(back, STEPS[index - 1][0], false, "Сохраняем…"));
  keep?.addEventListener("click", () => go(keep, "card", false, "Сохраняем…"));

  // Arriving from the preview's list: the step's gaps are marked at once.
  if (card && ctx.params.get("check") === "1" && problemsOf(card, step).length) {
    showProblems(form, "Заполните отмеченные поля.", problemsOf(card, step));
  }

  const nav = stepper(card, step);
  // Jumping to another step saves this one first, without insisting it is complete.
  nav.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-step]");
    if (!link || !collect) return;
    event.preventDefault();
    go(next, link.dataset.step, false, "Сохраняем…");
  });

  // The preview lists what still stops the submission, step by step, with a way to each step.
  const lackingSteps = card && step === "preview" ? STEPS.filter(([code]) => problemsOf(card, code).length) : [];
  next.hidden = lackingSteps.length > 0;
  const heading = step === "preview" ? "Проверьте заявку" : STEPS[index][1];
  return h(
    "section",
    { class: "page page--form page--wizard" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/connection" }, "Технологическое присоединение")),
    h("h1", { tabindex: "-1" }, card ? "Заявка на технологическое присоединение" : "Новая заявка на присоединение"),
    card ? h("p", { class: "meter__pills meter__pills--lead" }, connectionPill(card.status, card.status_title), h("span", { class: "muted" }, card.category_title)) : null,
    nav,
    h(
      "div",
      { class: "card" },
      h("h2", { class: "card__title" }, `Шаг ${index + 1} из ${STEPS.length}. ${heading}`),
      lackingSteps.length
        ? h(
            "div",
            { class: "notice notice--error", role: "alert" },
            h("p", {}, "Заявку пока нельзя отправить: заполните все обязательные поля и приложите документы."),
            h(
              "ul",
              {},
              lackingSteps.map(([code, title]) => {
                const described = problemsOf(card, code).filter((p) => p.message !== REQUIRED);
                return h(
                  "li",
                  {},
                  h("a", { href: `${wizardHref(card.id, code)}&check=1` }, title),
                  described.length ? h("ul", {}, described.map((p) => h("li", {}, p.message))) : null,
                );
              }),
            ),
          )
        : null,
      form,
    ),
  );
}

