"""Russian message templates. One template → e-mail, SMS and feed texts, whichever it defines.

Security messages (links, codes) never go to the in-app feed: the feed is for events.
"""
from __future__ import annotations

from dataclasses import dataclass
from string import Template
from typing import Mapping, Optional


@dataclass(frozen=True)
class MessageTemplate:
    subject: str
    email: str
    sms: Optional[str] = None
    feed_title: Optional[str] = None
    feed_body: Optional[str] = None
    link: Optional[str] = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    email: str
    sms: Optional[str]
    feed_title: Optional[str]
    feed_body: Optional[str]
    link: Optional[str]


_SIGNATURE = "\n\n—\n$company\nЛичный кабинет: $site_url\nЭто письмо отправлено автоматически, отвечать на него не нужно."

TEMPLATES: dict[str, MessageTemplate] = {
    "registration_confirm": MessageTemplate(
        subject="Подтверждение регистрации в личном кабинете",
        email="Здравствуйте!\n\nВы зарегистрировались в личном кабинете потребителя. Чтобы завершить "
              "регистрацию, перейдите по ссылке:\n$confirm_url\n\nСсылка действует $hours ч. Если Вы не "
              "регистрировались, просто удалите это письмо." + _SIGNATURE),
    "registration_duplicate": MessageTemplate(
        subject="Попытка регистрации с Вашими данными",
        email="Здравствуйте!\n\nКто-то пытался зарегистрировать новый личный кабинет с Вашим адресом "
              "электронной почты или телефоном. У Вас уже есть учётная запись — войти можно по логину, "
              "e-mail или телефону, а если Вы забыли пароль, восстановите его на странице входа.\n\n"
              "Если это были не Вы, ничего делать не нужно." + _SIGNATURE),
    # To a confirmed account when someone asks to resend its registration link (accounts/registration).
    "confirmation_not_needed": MessageTemplate(
        subject="Ваша учётная запись уже подтверждена",
        email="Здравствуйте!\n\nКто-то запросил повторное письмо для завершения регистрации с Вашими данными. "
              "Регистрация Вашего личного кабинета уже завершена, подтверждать ничего не нужно — войдите по "
              "логину, e-mail или телефону: $site_url/#/login\nЕсли Вы забыли пароль, восстановите его: "
              "$site_url/#/forgot\n\nЕсли это были не Вы, ничего делать не нужно." + _SIGNATURE),
    "welcome": MessageTemplate(
        subject="Регистрация завершена",
        email="Здравствуйте!\n\nРегистрация в личном кабинете завершена. Ваш логин: $login." + _SIGNATURE,
        feed_title="Добро пожаловать в личный кабинет",
        feed_body="Регистрация завершена. Привяжите лицевой счёт, чтобы передавать показания.",
        link="#/"),
    "email_change_confirm": MessageTemplate(
        subject="Подтверждение нового адреса электронной почты",
        email="Здравствуйте!\n\nЧтобы подтвердить новый адрес электронной почты для личного кабинета, "
              "перейдите по ссылке:\n$confirm_url\n\nСсылка действует $hours ч." + _SIGNATURE),
    "email_changed": MessageTemplate(
        subject="Адрес электронной почты изменён",
        email="Здравствуйте!\n\nАдрес электронной почты Вашего личного кабинета изменён. Если это были не "
              "Вы, срочно обратитесь в службу поддержки." + _SIGNATURE,
        feed_title="Адрес электронной почты изменён",
        feed_body="Новый адрес подтверждён и используется для уведомлений.",
        link="#/profile"),
    "password_reset_code": MessageTemplate(
        subject="Код для восстановления пароля",
        email="Здравствуйте!\n\nКод для восстановления пароля: $code\n\nКод действует $minutes мин. и может "
              "быть использован один раз. Если Вы не запрашивали восстановление, проигнорируйте это "
              "письмо — Ваш пароль не изменится." + _SIGNATURE),
    "login_reminder": MessageTemplate(
        subject="Ваш логин в личном кабинете",
        email="Здравствуйте!\n\nВаш логин для входа в личный кабинет: $login\n\nВойти можно также по адресу "
              "электронной почты или номеру телефона." + _SIGNATURE),
    "password_changed": MessageTemplate(
        subject="Пароль изменён",
        email="Здравствуйте!\n\nПароль от Вашего личного кабинета изменён, все прочие сеансы завершены. "
              "Если это были не Вы, восстановите пароль и обратитесь в службу поддержки." + _SIGNATURE,
        sms="Пароль от личного кабинета изменён. Если это были не Вы, восстановите пароль.",
        feed_title="Пароль изменён",
        feed_body="Все прочие сеансы завершены.",
        link="#/profile"),
    "account_locked": MessageTemplate(
        subject="Вход временно заблокирован",
        email="Здравствуйте!\n\nПосле нескольких неудачных попыток входа вход в Ваш личный кабинет "
              "заблокирован на $minutes мин. Если это были не Вы, рекомендуем сменить пароль." + _SIGNATURE),
    # To subscribers of an address when a planned outage there is published (chalicelib/outages).
    "outage_planned": MessageTemplate(
        subject="Плановое отключение электроэнергии",
        email="Здравствуйте!\n\nПо адресу $address запланировано отключение электроэнергии: $period.\n"
              "Причина: $reason.\n\nВы получили это сообщение, потому что подписаны на уведомления об "
              "отключениях по этому адресу. Отказаться можно в личном кабинете, раздел «Отключения»." + _SIGNATURE,
        sms="Плановое отключение электроэнергии: $address, $period. $company",
        feed_title="Плановое отключение электроэнергии",
        feed_body="$address: $period. Причина: $reason.",
        link="#/outages"),
    # To the same subscribers when staff change the times of a published planned outage (or its addresses
    # change while theirs stays covered), and when it is cancelled or no longer covers their address.
    "outage_changed": MessageTemplate(
        subject="Изменено время отключения электроэнергии",
        email="Здравствуйте!\n\nИзменено время отключения электроэнергии по адресу $address.\n"
              "Новое время: $period (ранее: $previous).\nПричина: $reason.\n\nВы получили это сообщение, "
              "потому что подписаны на уведомления об отключениях по этому адресу. Отказаться можно в личном "
              "кабинете, раздел «Отключения»." + _SIGNATURE,
        sms="Изменено время отключения: $address, $period. $company",
        feed_title="Изменено время отключения электроэнергии",
        feed_body="$address: $period (ранее: $previous).",
        link="#/outages"),
    "outage_cancelled": MessageTemplate(
        subject="Отключение электроэнергии отменено",
        email="Здравствуйте!\n\nОтключение электроэнергии по адресу $address ($period) отменено.\n\n"
              "Вы получили это сообщение, потому что подписаны на уведомления об отключениях по этому "
              "адресу. Отказаться можно в личном кабинете, раздел «Отключения»." + _SIGNATURE,
        sms="Отменено отключение электроэнергии: $address, $period. $company",
        feed_title="Отключение электроэнергии отменено",
        feed_body="$address: $period — отключения не будет.",
        link="#/outages"),
    # Appeals and extra-service requests (chalicelib/appeals): on registration and on every status
    # change, to the contact phone given in the case (seed 000) and the user's e-mail.
    "appeal_submitted": MessageTemplate(
        subject="Обращение № $number зарегистрировано",
        email="Здравствуйте!\n\nВаше обращение «$type» зарегистрировано под номером $number. Ответ будет дан "
              "не позднее $due_on.\n\nХод рассмотрения и ответ — в личном кабинете, раздел «Обращения»."
              + _SIGNATURE,
        sms="Обращение № $number зарегистрировано. Срок ответа — до $due_on. $company",
        feed_title="Обращение № $number зарегистрировано",
        feed_body="$type. Срок ответа — до $due_on.",
        link="#/appeals"),
    "appeal_status": MessageTemplate(
        subject="Обращение № $number: $status",
        email="Здравствуйте!\n\nСтатус Вашего обращения № $number изменён: «$status».$note\n\n"
              "Подробности — в личном кабинете, раздел «Обращения»." + _SIGNATURE,
        sms="Обращение № $number: статус «$status». $company",
        feed_title="Обращение № $number: $status",
        feed_body="Статус изменён: «$status».$note",
        link="#/appeals"),
    "service_request_submitted": MessageTemplate(
        subject="Заявка № $number зарегистрирована",
        email="Здравствуйте!\n\nВаша заявка «$type» зарегистрирована под номером $number. Ориентировочный "
              "срок рассмотрения — до $due_on.\n\nХод исполнения — в личном кабинете, раздел «Обращения»."
              + _SIGNATURE,
        sms="Заявка № $number зарегистрирована. Срок рассмотрения — до $due_on. $company",
        feed_title="Заявка № $number зарегистрирована",
        feed_body="$type. Срок рассмотрения — до $due_on.",
        link="#/appeals"),
    "service_request_status": MessageTemplate(
        subject="Заявка № $number: $status",
        email="Здравствуйте!\n\nСтатус Вашей заявки № $number изменён: «$status».$note\n\n"
              "Подробности — в личном кабинете, раздел «Обращения»." + _SIGNATURE,
        sms="Заявка № $number: статус «$status». $company",
        feed_title="Заявка № $number: $status",
        feed_body="Статус изменён: «$status».$note",
        link="#/appeals"),
    # Grid-connection applications (chalicelib/connection): on submission and on every status change,
    # to the contacts given in the application (seed 000); number and estimated term (seed 003).
    "tp_submitted": MessageTemplate(
        subject="Заявка на технологическое присоединение № $number принята",
        email="Здравствуйте!\n\nВаша заявка на технологическое присоединение («$category») принята под номером "
              "$number. Ориентировочный срок рассмотрения — до $due_on: к этому дню сетевая организация "
              "направит Вам договор и технические условия или сообщит, каких документов не хватает.\n\n"
              "Ход рассмотрения — в личном кабинете, раздел «Технологическое присоединение»." + _SIGNATURE,
        sms="Заявка на ТП № $number принята. Срок рассмотрения — до $due_on. $company",
        feed_title="Заявка на ТП № $number принята",
        feed_body="$category. Срок рассмотрения — до $due_on.",
        link="#/connection"),
    "tp_status": MessageTemplate(
        subject="Заявка на ТП № $number: $status",
        email="Здравствуйте!\n\nСтатус Вашей заявки на технологическое присоединение № $number изменён: "
              "«$status».$note\n\nПодробности — в личном кабинете, раздел «Технологическое присоединение»."
              + _SIGNATURE,
        sms="Заявка на ТП № $number: статус «$status». $company",
        feed_title="Заявка на ТП № $number: $status",
        feed_body="Статус изменён: «$status».$note",
        link="#/connection"),
    "tp_answer": MessageTemplate(
        subject="Ответ специалиста по заявке на ТП № $number",
        email="Здравствуйте!\n\nСпециалист ответил на Ваш вопрос по заявке на технологическое присоединение "
              "№ $number. Ответ — в карточке заявки в личном кабинете." + _SIGNATURE,
        sms="Получен ответ по заявке на ТП № $number. $company",
        feed_title="Ответ по заявке на ТП № $number",
        feed_body="Специалист ответил на Ваш вопрос.",
        link="#/connection"),
    "tp_document": MessageTemplate(
        subject="Новый документ по заявке на ТП № $number",
        email="Здравствуйте!\n\nСетевая организация разместила документ «$title» по Вашей заявке на "
              "технологическое присоединение № $number. Скачать его можно в карточке заявки в личном кабинете."
              + _SIGNATURE,
        sms="По заявке на ТП № $number размещён документ «$title». $company",
        feed_title="Документ по заявке на ТП № $number",
        feed_body="$title — в карточке заявки.",
        link="#/connection"),
}


def render(name: str, params: Mapping[str, str]) -> Rendered:
    template = TEMPLATES[name]

    def fill(text: Optional[str]) -> Optional[str]:
        return None if text is None else Template(text).substitute(params)

    return Rendered(subject=fill(template.subject) or "", email=fill(template.email) or "",
                    sms=fill(template.sms), feed_title=fill(template.feed_title),
                    feed_body=fill(template.feed_body), link=template.link)
