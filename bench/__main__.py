"""Run every benchmark and print its figures with the target beside each."""
from __future__ import annotations

from bench import cold_start, dynamodb_calls


def main() -> None:
    print("Kabinet — benchmarks\n")
    for module in (cold_start, dynamodb_calls):
        for line in module.run():
            print(line)
        print()


if __name__ == "__main__":
    main()
