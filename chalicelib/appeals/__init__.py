"""Appeals («обращения») and extra-service requests («заявки на дополнительные услуги»).

Both are cases in the cases table (keys in `repository`; what every kind of case shares — attributes,
the history schema, counters, taking and hand-over — is `chalicelib.cases`), share one status workflow
(`rules.TRANSITIONS`: submitted → in_progress → answered → closed, or rejected while open), one
notification scheme (SMS to the contact phone, e-mail, feed — on submission and every status
change) and one registration-number sequence per year: «2026-000123». The number is taken by a
conditional advance of the counter item inside the transaction that writes the case, so concurrent
submissions never share a number and a failed submission never uses one up.

Routes: `api` (the user's side: /cases, /appeals, /service-requests) and `staff_api` (operators and
administrators: /staff/appeals, /staff/service-requests). The staff card's `transitions` are the
steps `rules.staff_steps` allows that employee now; the staff service refuses any other (409).
"""
