"""СПОДЭС (ГОСТ Р 58940-2020) objects the DLMS driver reads, and how journal records map to
MeterEvent.

Journals are profile-generic objects 0.0.99.98.x.255 whose buffer rows are
(clock date-time, event code); the event code is the value of 0.0.96.11.x.255 and its
meaning comes from ГОСТ Р 58940-2020, annex Д (tables Д.1–Д.8). We read:

    x  journal object        MeterEvent.journal   table
    0  напряжение            "voltage"            Д.1
    1  ток                   "current"            Д.2
    2  вкл/выкл ПУ и реле    "power" / "relay"    Д.3 (codes 1–2 and 16–17 are "power")
    4  внешние воздействия   "tamper"             Д.5
    7  самодиагностика       "diagnostics"        Д.8

(The standard numbers the self-diagnostics journal 7; 5 is communication sessions and 3
programming, which the portal does not show.) Codes missing from the tables below keep
the meter's code with a generic text, so nothing a meter reports is dropped.
"""

from __future__ import annotations

CLOCK = "0.0.1.0.0.255"
LOAD_PROFILE = "1.0.99.1.0.255"
# Профиль суточных показаний: registers captured at 00:00 of each day (ГОСТ Р 58940-2020).
DAILY_PROFILE = "1.0.98.2.0.255"
DISCONNECT_CONTROL = "0.0.96.3.10.255"

# Cumulative energy registers (class 3): channel → OBIS.
REGISTERS: dict[str, str] = {
    "A+": "1.0.1.8.0.255",
    "A-": "1.0.2.8.0.255",
    "R+": "1.0.3.8.0.255",
    "R-": "1.0.4.8.0.255",
}
# OBIS C-group → channel, for the captured columns of the load profile.
PROFILE_CHANNELS: dict[int, str] = {1: "A+", 2: "A-", 3: "R+", 4: "R-"}
# OBIS D-groups meaning "energy over the capture period" vs "average power".
PROFILE_ENERGY_D = (8, 9, 29)
PROFILE_POWER_D = (4, 5, 27)

# Blue Book unit codes used for scaling (units table of IEC 62056-6-2).
UNIT_W, UNIT_VAR, UNIT_WH, UNIT_VARH = 27, 29, 30, 32
UNIT_NAMES = {27: "W", 28: "VA", 29: "var", 30: "Wh", 31: "VAh", 32: "varh"}

Entry = tuple[str, str]  # (severity, Russian text)

_VOLTAGE: dict[int, Entry] = {
    1: ("warning", "Фаза А — пропадание напряжения"),
    2: ("info", "Фаза А — восстановление напряжения"),
    3: ("warning", "Фаза B — пропадание напряжения"),
    4: ("info", "Фаза B — восстановление напряжения"),
    5: ("warning", "Фаза C — пропадание напряжения"),
    6: ("info", "Фаза C — восстановление напряжения"),
    7: ("warning", "Превышение напряжения любой фазы — начало"),
    8: ("info", "Превышение напряжения любой фазы — окончание"),
    9: ("warning", "Низкое напряжение любой фазы — начало"),
    10: ("info", "Низкое напряжение любой фазы — окончание"),
    25: ("warning", "Неправильная последовательность фаз — начало"),
    26: ("info", "Неправильная последовательность фаз — окончание"),
    27: ("warning", "Прерывание напряжения"),
    28: ("info", "Восстановление напряжения"),
}
_CURRENT: dict[int, Entry] = {
    1: ("warning", "Фаза А — экспорт, начало"),
    2: ("info", "Фаза А — экспорт, окончание"),
    13: ("warning", "Разбаланс токов — начало"),
    14: ("info", "Разбаланс токов — окончание"),
    17: ("warning", "Превышение тока любой фазы — начало"),
    18: ("info", "Превышение тока любой фазы — окончание"),
    31: ("critical", "Ток при отсутствии напряжения (обрыв нейтрали) — начало"),
    32: ("info", "Ток при отсутствии напряжения (обрыв нейтрали) — окончание"),
    37: ("critical", "Ток при выключенном реле нагрузки — начало"),
    38: ("info", "Ток при выключенном реле нагрузки — окончание"),
}
_POWER_RELAY: dict[int, Entry] = {
    1: ("warning", "Выключение питания счётчика"),
    2: ("info", "Включение питания счётчика"),
    3: ("warning", "Дистанционное отключение абонента"),
    4: ("info", "Дистанционное включение абонента"),
    5: ("info", "Получено разрешение на включение абоненту"),
    6: ("info", "Реле нагрузки выключено абонентом"),
    7: ("info", "Реле нагрузки включено абонентом"),
    8: ("warning", "Отключение по превышению лимита мощности"),
    9: ("warning", "Отключение по превышению максимального тока"),
    10: ("critical", "Отключение при воздействии магнитного поля"),
    11: ("warning", "Отключение по превышению напряжения"),
    12: ("info", "Включение при возврате напряжения в норму"),
    16: ("info", "Включение резервного питания"),
    17: ("warning", "Отключение резервного питания"),
    18: ("critical", "Отключение при вскрытии клеммной крышки или корпуса"),
}
_POWER_CODES = (1, 2, 16, 17)
_TAMPER: dict[int, Entry] = {
    1: ("critical", "Воздействие магнитного поля — начало"),
    2: ("info", "Воздействие магнитного поля — окончание"),
    3: ("critical", "Срабатывание электронной пломбы клеммной крышки"),
    4: ("critical", "Срабатывание электронной пломбы корпуса"),
}
_DIAGNOSTICS: dict[int, Entry] = {
    1: ("info", "Инициализация счётчика"),
    2: ("critical", "Измерительный блок — ошибка"),
    3: ("info", "Измерительный блок — норма"),
    4: ("critical", "Вычислительный блок — ошибка"),
    5: ("warning", "Часы реального времени — ошибка"),
    6: ("info", "Часы реального времени — норма"),
    7: ("critical", "Блок питания — ошибка"),
    8: ("info", "Блок питания — норма"),
    11: ("critical", "Блок памяти — ошибка"),
    12: ("info", "Блок памяти — норма"),
    19: ("info", "Вычислительный блок — норма"),
}

# journal index x → (journal name, code table)
JOURNALS: dict[int, tuple[str, dict[int, Entry]]] = {
    0: ("voltage", _VOLTAGE),
    1: ("current", _CURRENT),
    2: ("relay", _POWER_RELAY),
    4: ("tamper", _TAMPER),
    7: ("diagnostics", _DIAGNOSTICS),
}


def journal_obis(index: int) -> str:
    return f"0.0.99.98.{index}.255"


def describe_event(index: int, code: int) -> tuple[str, str, str]:
    """(journal, severity, text) for event `code` of journal 0.0.99.98.<index>.255."""
    name, table = JOURNALS[index]
    if index == 2 and code in _POWER_CODES:
        name = "power"
    severity, text = table.get(code, ("info", f"Событие с кодом {code}"))
    return name, severity, text
