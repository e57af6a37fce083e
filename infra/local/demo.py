"""Demo data for `make run`: one individual, one company, two employees (an administrator and an
operator); their contracts and meters as billing sends them (not linked: linking is part of the
demo); the individual's draft grid-connection application, an answered appeal and a new service request."""

from __future__ import annotations

from dataclasses import dataclass

ADDRESS = {"postcode": "394036", "locality": "Воронеж", "street": "ул. Плехановская", "house": "10", "flat": "15"}


@dataclass(frozen=True)
class DemoAccount:
    title: str
    login: str
    password: str
    email: str
    # Employees sign in with a code from an authenticator app; the demo ones have a fixed, published secret.
    totp_secret: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("Физическое лицо", "demo", "Demo12345", "demo@kabinet.local"),
    DemoAccount("Юридическое лицо", "romashka", "Demo12345", "office@romashka.local"),
    DemoAccount(
        "Сотрудник (администратор)", "staff", "Staff12345", "staff@kabinet.local", "KABINETDEMOSTAFFADMINSECRETAAAAA"
    ),
    DemoAccount(
        "Сотрудник (оператор)", "operator", "Staff12345", "operator@kabinet.local", "KABINETDEMOSTAFFOPERATORSECRETAA"
    ),
)


def seed() -> list[DemoAccount]:
    from chalicelib.accounts.provisioning import create_active_user
    from chalicelib.appeals.demo import seed_demo_cases
    from chalicelib.connection.demo import seed_demo_application, seed_demo_overdue_application
    from chalicelib.exchange.demo import seed_demo_billing
    from chalicelib.outages.demo import seed_demo_outages
    from chalicelib.reference.demo import seed_demo_streets
    from chalicelib.staff_users.second_factor import enrol_with_secret

    person, company, staff, operator = DEMO_ACCOUNTS
    person_id = create_active_user(
        login=person.login,
        password=person.password,
        email=person.email,
        phone="+79001112233",
        kind="person",
        role="consumer",
        profile={
            "last_name": "Иванов",
            "first_name": "Иван",
            "middle_name": "Иванович",
            "snils": "112-233-445 95",
            "address": ADDRESS,
        },
    )
    create_active_user(
        login=company.login,
        password=company.password,
        email=company.email,
        phone="+74732000000",
        kind="company",
        role="consumer",
        profile={
            "short_name": "ООО «Ромашка»",
            "full_name": "Общество с ограниченной ответственностью «Ромашка»",
            "inn": "7707083893",
            "kpp": "770701001",
            "ogrn": "1027700132195",
            "head_name": "Петров Пётр Петрович",
            "address": {**ADDRESS, "house": "1", "flat": None},
        },
    )
    staff_id = create_active_user(
        login=staff.login,
        password=staff.password,
        email=staff.email,
        phone="+74732000001",
        kind="person",
        role="admin",
        profile={"last_name": "Сидорова", "first_name": "Анна", "middle_name": "Сергеевна", "address": ADDRESS},
    )
    # An appeals and services operator: the console shows only that role's queues.
    operator_id = create_active_user(
        login=operator.login,
        password=operator.password,
        email=operator.email,
        phone="+74732000002",
        kind="person",
        role="operator",
        profile={"last_name": "Орлова", "first_name": "Елена", "middle_name": "Викторовна"},
    )
    enrol_with_secret(staff_id, staff.totp_secret)
    enrol_with_secret(operator_id, operator.totp_secret)
    seed_demo_streets()
    seed_demo_outages(staff_id=staff_id, subscriber_id=person_id)
    seed_demo_billing()
    seed_demo_application(person_id)
    seed_demo_overdue_application(person_id, staff_id)
    seed_demo_cases(person_id, staff_id)
    return list(DEMO_ACCOUNTS)
