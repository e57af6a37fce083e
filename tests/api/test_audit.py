"""The audit trail of staff actions is readable by administrators, by target and by employee."""
from __future__ import annotations

from helpers import staff_user


def test_admin_reads_the_trail_of_an_object_and_of_an_employee(api):
    admin = staff_user(api, "admin")
    status, street = api.post("/staff/reference/streets", {"locality": "Воронеж", "name": "ул. Аудиторская"},
                              token=admin["token"])
    assert status == 201, street
    status, outage = api.post("/staff/outages", {"kind": "planned", "streets": [{"street_id": street["id"], "houses": "1-9"}],
                                                 "start": "2030-05-12T09:00", "end": "2030-05-12T17:00",
                                                 "reason": "Замена опор"}, token=admin["token"])
    assert status == 201, outage
    status, trail = api.get(f"/staff/audit?target_kind=outage&target_id={outage['id']}", token=admin["token"])
    assert status == 200
    assert [(e["action"], e["actor_login"], e["role"]) for e in trail["items"]] == [("outage.create", admin["login"], "admin")]
    status, mine = api.get(f"/staff/audit?actor={admin['user_id']}", token=admin["token"])
    assert status == 200 and [e["action"] for e in mine["items"]] == ["outage.create", "reference.street.add"]


def test_only_administrators_read_the_trail_and_the_query_names_one_subject(api):
    operator = staff_user(api, "operator")
    assert api.get(f"/staff/audit?actor={operator['user_id']}", token=operator["token"])[0] == 403
    admin = staff_user(api, "admin")
    for query in ("", "?target_kind=outage", "?actor=x&target_kind=outage&target_id=1", "?actor=<script>"):
        status, answer = api.get(f"/staff/audit{query}", token=admin["token"])
        assert status == 422, query
        assert "<script>" not in str(answer)
