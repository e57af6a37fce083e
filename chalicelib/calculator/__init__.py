"""Connection cost calculator (public): by standardised rates and by the per-kW rate, from per-company
rate tables kept as data (`rates/<company>-<year>.json`), with the ФЛ ≤ 15 kW preferential rule."""
