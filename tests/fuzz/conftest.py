"""The fuzz run's one-line summary, after pytest's own."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter):
    from test_schema_fuzz import SUMMARY

    for line in SUMMARY:
        terminalreporter.write_line(line)
