// Grid-connection choices as the wizard and the staff console offer them: the same codes, titles and
// limits as chalicelib/connection/rules.py (the API has no options route for them; the browser test
// tests/browser/test_connection_flow.py keeps the two equal). The server stays the judge: the card's
// `problems` and the API's field errors are what the pages show.

export const CATEGORIES = {
  household_15: {
    title: "Физические лица до 15 кВт для бытовых нужд",
    text: "Жилой дом, дача, гараж. Общая мощность с учётом ранее присоединённой — не более 15 кВт, напряжение до 0,4 кВ, один источник питания.",
    kinds: ["person"],
    maxVoltage: "0.4",
    reliabilities: ["III"],
    reasons: ["first", "capacity_increase", "reliability_change", "point_change"],
    stages: "forbidden",
  },
  upto_150: {
    title: "До 150 кВт включительно",
    text: "Один источник питания (III категория), напряжение до 10 кВ. Юридическим лицам и ИП свыше 15 кВт доступна рассрочка платежа.",
    kinds: ["person", "entrepreneur", "company"],
    maxVoltage: "10",
    reliabilities: ["III"],
    reasons: ["first", "capacity_increase", "reliability_change", "point_change", "activity_change"],
    stages: "optional",
  },
  from_150_to_670: {
    title: "Свыше 150 кВт и менее 670 кВт",
    text: "Любая категория надёжности. Понадобятся однолинейная схема и перечень энергопринимающих устройств.",
    kinds: ["person", "entrepreneur", "company"],
    maxVoltage: "110",
    reliabilities: ["I", "II", "III"],
    reasons: ["first", "capacity_increase", "reliability_change", "point_change", "activity_change"],
    stages: "optional",
  },
  over_670: {
    title: "670 кВт и более",
    text: "Нужны этапы проектирования и ввода мощности, обоснование категории надёжности, однолинейная схема и перечень устройств.",
    kinds: ["person", "entrepreneur", "company"],
    maxVoltage: "110",
    reliabilities: ["I", "II", "III"],
    reasons: ["first", "capacity_increase", "reliability_change", "point_change", "activity_change"],
    stages: "required",
  },
  temporary: {
    title: "Временное присоединение до 150 кВт",
    text: "На срок до 12 месяцев — для строительной площадки или передвижного объекта.",
    kinds: ["person", "entrepreneur", "company"],
    maxVoltage: "10",
    reliabilities: ["III"],
    reasons: ["first"],
    stages: "forbidden",
  },
};

export const REASONS = {
  first: "Присоединение впервые",
  capacity_increase: "Увеличение максимальной мощности",
  reliability_change: "Изменение категории надёжности электроснабжения",
  point_change: "Изменение точки присоединения",
  activity_change: "Изменение вида производственной деятельности",
};
// Reasons that change no power: nothing is requested, the existing power is stated.
export const NO_POWER_REASONS = ["reliability_change", "point_change", "activity_change"];

export const VOLTAGES = ["0.23", "0.4", "6", "10", "20", "35", "110"];
export const voltageTitle = (code) => `${code.replace(".", ",")} кВ`;
export const voltagesUpTo = (max) => VOLTAGES.filter((v) => Number(v) <= Number(max));

export const RELIABILITY = { I: "I категория", II: "II категория", III: "III категория" };
export const CONTRACTS = {
  supply: "Договор энергоснабжения",
  sale: "Договор купли-продажи (поставки) электрической энергии (мощности)",
};
export const OWNERSHIP = { owner: "Право собственности", lease: "Аренда", other: "Иное законное основание" };
export const SETTLEMENTS = { urban: "Город", rural: "Сельская местность" };

export const DOCUMENTS = {
  location_plan: "План расположения энергопринимающих устройств",
  ownership: "Документ, подтверждающий право собственности или иное законное основание на объект",
  single_line_diagram: "Однолинейная схема электрических сетей заявителя",
  devices_list:
    "Перечень и мощность энергопринимающих устройств, присоединяемых к устройствам противоаварийной автоматики",
  power_of_attorney: "Доверенность представителя заявителя",
  other: "Прочие документы",
};

export const COMPANY_DOCUMENTS = {
  technical_conditions: "Технические условия",
  contract: "Договор об осуществлении технологического присоединения",
  answer: "Ответ сетевой организации",
  act: "Акт об осуществлении технологического присоединения",
  other: "Документ сетевой организации",
};

export const STATUSES = {
  draft: "Черновик",
  checking: "Проверка заявки",
  awaiting_documents: "Ожидание недостающих документов",
  registered: "Заявка зарегистрирована",
  contract_sent: "Направлены договор и технические условия",
  contract_concluded: "Договор заключён",
  works: "Выполнение мероприятий по присоединению",
  readiness_reported: "Заявитель сообщил о готовности",
  inspection: "Проверка выполнения технических условий",
  connected: "Присоединение выполнено",
  closed: "Заявка закрыта",
  annulled: "Заявка аннулирована",
  withdrawn: "Отозвана заявителем",
};

export const MAX_TEMPORARY_MONTHS = 12;
export const MAX_STAGES = 10;

// "15,5" → 15500 (thousandths of a kW: the API keeps 3 decimals); null for anything else.
function milli(text) {
  const m = /^\s*(\d{1,6})(?:[.,](\d{0,3}))?\s*$/.exec(text ?? "");
  return m ? Number(m[1]) * 1000 + Number((m[2] || "").padEnd(3, "0")) : null;
}

// A power as the API takes it: "15,5" → "15.5"; "" stays "" (not given).
export const kwValue = (text) => (text ?? "").trim().replace(",", ".");

// Total maximum power = requested + previously connected (the form's «Общая максимальная мощность»),
// as «15,5»; null until the requested power is a valid number.
export function totalKw(requested, previous) {
  const a = milli(requested);
  const b = previous === "" || previous === undefined ? 0 : milli(previous);
  if (a === null || b === null) return null;
  return String((a + b) / 1000).replace(".", ",");
}
