"""The case core shared by every kind of case in the `cases` table — appeals and service requests
(`chalicelib.appeals`) and grid-connection applications (`chalicelib.connection`): the attributes every
case item has, the one status-history schema, registration-number counters, the partition read of a
card, staff taking and hand-over. The capabilities keep only what differs (docs/design-cases.md)."""
