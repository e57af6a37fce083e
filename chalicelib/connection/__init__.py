"""Grid connection (технологическое присоединение): applications from draft to connection.

Modules: `rules` (pure: categories, completeness per category, documents, the status workflow table,
numbers, PP 861 deadlines), `calendar` (production calendar, working days), `models` (API shapes),
`repository` (the cases table), `views` (items → responses), `workflow` (one status change: history,
notification, audit in one transaction), `notices` (notification texts' parameters), `service`
(the applicant and the public check), `staff` (the console), `api` (routes). What applications share
with appeals — attributes, the history schema, counters, taking and hand-over — is `chalicelib.cases`.
"""
