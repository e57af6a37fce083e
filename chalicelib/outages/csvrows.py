"""The CSV form of an outage import (pure): text → rows with their line numbers.

Format, as Russian Excel saves «CSV (разделители — точки с запятой)»: UTF-8 (a BOM is fine), «;» between
columns, quotes around values that contain «;», and this header in the first line:

    kind;locality;street;houses;start;end;reason

and, if the dispatch system numbers its outages, a `number` column anywhere in the line (a re-import finds
the outage by it, so a row whose times changed updates the outage it made before).

- kind — `planned`/`плановое` or `emergency`/`аварийное`;
- houses — «1, 3, 5–11, 12к2», empty for the whole street;
- start, end — «ДД.ММ.ГГГГ ЧЧ:ММ» (or ISO), company local time; end may be empty for an emergency.
Line numbers are those Excel shows: the header is line 1.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

HEADER = ("kind", "locality", "street", "houses", "start", "end", "reason")
OPTIONAL = ("number",)
MAX_ROWS = 1000
HEADER_MESSAGE = (
    "Первая строка должна быть заголовком: "
    + ";".join(HEADER)
    + " (и, если есть номер отключения в диспетчерской системе, столбец number)"
)


class CsvError(ValueError):
    """The file as a whole cannot be read; a Russian message."""


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str


def parse_csv(text: str) -> tuple[list[CsvRow], list[CsvProblem]]:
    """Rows to validate and the lines that are not rows at all (wrong number of columns)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    rows: list[CsvRow] = []
    problems: list[CsvProblem] = []
    try:
        columns = _columns(next(reader, None))
        line = reader.line_num
        for cells in reader:
            first_line, line = line + 1, reader.line_num  # a quoted value may span lines
            cells = _trimmed(cells, len(columns))
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                raise CsvError(f"Не более {MAX_ROWS} строк за одну загрузку")
            if len(cells) != len(columns):
                problems.append(
                    CsvProblem(first_line, f"Ожидается {len(columns)} столбцов через «;», а в строке {len(cells)}")
                )
                continue
            rows.append(CsvRow(first_line, dict(zip(columns, (cell.strip() for cell in cells)))))
    except csv.Error:
        raise CsvError(f"Не удалось прочитать файл CSV после строки {reader.line_num}") from None
    return rows, problems


def _columns(header: list[str] | None) -> tuple[str, ...]:
    """The column names, in the file's order: the seven of HEADER in that order, plus optional ones anywhere."""
    names = tuple(cell.strip().lower() for cell in _trimmed(header or [], len(HEADER)))
    extra = [name for name in names if name in OPTIONAL]
    if header is None or tuple(n for n in names if n not in OPTIONAL) != HEADER or len(set(extra)) != len(extra):
        raise CsvError(HEADER_MESSAGE)
    return names


def _trimmed(cells: list[str], width: int) -> list[str]:
    """Excel pads rows with empty columns when some other row is wider."""
    cells = list(cells)
    while len(cells) > width and not cells[-1].strip():
        cells.pop()
    return cells
