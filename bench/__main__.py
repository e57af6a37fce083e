"""Run every benchmark and print its figures with the target beside each."""

from __future__ import annotations

from bench import (
    agent_profile,
    aiis,
    billing_import,
    cases,
    cold_start,
    connection,
    dynamodb_calls,
    reminders,
    site_size,
)


def main() -> None:
    print("Kabinet — benchmarks\n")
    for module in (
        cold_start,
        dynamodb_calls,
        connection,
        cases,
        agent_profile,
        billing_import,
        aiis,
        site_size,
        reminders,
    ):
        for line in module.run():
            print(line)
        print()


if __name__ == "__main__":
    main()
