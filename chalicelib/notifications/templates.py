"""Russian message templates. One template → e-mail, SMS and feed texts, whichever it defines.

Security messages (links, codes) never go to the in-app feed: the feed is for events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template


@dataclass(frozen=True)
class MessageTemplate:
    subject: str
    email: str
    sms: str | None = None
    feed_title: str | None = None
    feed_body: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    email: str
    sms: str | None
    feed_title: str | None
    feed_body: str | None
    link: str | None


_SIGNATURE = (
    "\n\n—\n$company\nЛичный кабинет: $site_url\nЭто письмо отправлено автоматически, отвечать на него не нужно."
)

TEMPLATES: dict[str, MessageTemplate] = {
    "registration_confirm": MessageTemplate(
        subject="Подтверждение регистрации в личном кабинете",
        email="Здравствуйте!\n\nВы зарегистрировались в личном кабинете потребителя. Чтобы завершить "
        "регистрацию, перейдите по ссылке:\n$confirm_url\n\nСсылка действует $hours ч. Если Вы не "
        "регистрировались, просто удалите это письмо." + _SIGNATURE,
    ),
    "registration_duplicate": MessageTemplate(
        subject="Попытка регистрации с Вашими данными",
        email="Здравствуйте!\n\nКто-то пытался зарегистрировать новый личный кабинет с Вашим адресом "
        "электронной почты или телефоном. У Вас уже есть учётная запись — войти можно по логину, "
        "e-mail или телефону, а если Вы забыли пароль, восстановите его на странице входа.\n\n"
        "Если это были не Вы, ничего делать не нужно." + _SIGNATURE,
    ),
    # To a confirmed account when someone asks to resend its registration link (accounts/registration).
    "confirmation_not_needed": MessageTemplate(
        subject="Ваша учётная запись уже подтверждена",
        email="Здравствуйте!\n\nКто-то запросил повторное письмо для завершения регистрации с Вашими данными. "
        "Регистрация Вашего личного кабинета уже завершена, подтверждать ничего не нужно — войдите по "
        "логину, e-mail или телефону: $site_url/#/login\nЕсли Вы забыли пароль, восстановите его: "
        "$site_url/#/forgot\n\nЕсли это были не Вы, ничего делать не нужно." + _SIGNATURE,
    ),
    "welcome": MessageTemplate(
        subject="Регистрация завершена",
        email="Здравствуйте!\n\nРегистрация в личном кабинете завершена. Ваш логин: $login." + _SIGNATURE,
        feed_title="Добро пожаловать в личный кабинет",
        feed_body="Регистрация завершена. Привяжите лицевой счёт, чтобы передавать показания.",
        link="#/",
    ),
    "email_change_confirm": MessageTemplate(
        subject="Подтверждение нового адреса электронной почты",
        email="Здравствуйте!\n\nЧтобы подтвердить новый адрес электронной почты для личного кабинета, "
        "перейдите по ссылке:\n$confirm_url\n\nСсылка действует $hours ч." + _SIGNATURE,
    ),
    "email_changed": MessageTemplate(
        subject="Адрес электронной почты изменён",
        email="Здравствуйте!\n\nАдрес электронной почты Вашего личного кабинета изменён. Если это были не "
        "Вы, срочно обратитесь в службу поддержки." + _SIGNATURE,
        feed_title="Адрес электронной почты изменён",
        feed_body="Новый адрес подтверждён и используется для уведомлений.",
        link="#/profile",
    ),
    # To the current address when a new one is requested (accounts/profile): the change is not theirs
    # until the new address confirms, and this tells the owner if someone else asked for it.
    "email_change_requested": MessageTemplate(
        subject="Запрошена смена адреса электронной почты",
        email="Здравствуйте!\n\nДля Вашего личного кабинета запрошена смена адреса электронной почты на "
        "$new_email. Новый адрес начнёт действовать только после перехода по ссылке из письма, "
        "отправленного на него; до этого письма приходят на этот адрес.\n\nЕсли это были не Вы, не "
        "подтверждайте смену, сразу смените пароль (или восстановите его: $site_url/#/forgot) — все "
        "сеансы на других устройствах будут завершены, — и обратитесь в службу поддержки." + _SIGNATURE,
    ),
    # SMS only, to the number being confirmed; a security code, so never in the feed.
    "phone_change_code": MessageTemplate(
        subject="Код подтверждения телефона",
        email="Код для смены телефона в личном кабинете: $code. Код действует $minutes мин." + _SIGNATURE,
        sms="Код для смены телефона в личном кабинете: $code. Действует $minutes мин. Никому не сообщайте его. "
        "$company",
    ),
    # To the account's e-mail and the old number once a new one is confirmed.
    "phone_changed": MessageTemplate(
        subject="Номер телефона изменён",
        email="Здравствуйте!\n\nНомер телефона Вашего личного кабинета изменён на $phone. Теперь по нему "
        "выполняется вход и на него приходят СМС-уведомления.\n\nЕсли это были не Вы, срочно "
        "смените пароль (или восстановите его: $site_url/#/forgot) и обратитесь в службу "
        "поддержки." + _SIGNATURE,
        sms="Номер телефона в личном кабинете изменён. Если это были не Вы, обратитесь в службу поддержки. $company",
        feed_title="Номер телефона изменён",
        feed_body="Новый номер подтверждён кодом из СМС; по нему выполняется вход и приходят СМС-уведомления.",
        link="#/profile",
    ),
    "password_reset_code": MessageTemplate(
        subject="Код для восстановления пароля",
        email="Здравствуйте!\n\nКод для восстановления пароля: $code\n\nКод действует $minutes мин. и может "
        "быть использован один раз. Если Вы не запрашивали восстановление, проигнорируйте это "
        "письмо — Ваш пароль не изменится." + _SIGNATURE,
    ),
    "login_reminder": MessageTemplate(
        subject="Ваш логин в личном кабинете",
        email="Здравствуйте!\n\nВаш логин для входа в личный кабинет: $login\n\nВойти можно также по адресу "
        "электронной почты или номеру телефона." + _SIGNATURE,
    ),
    # To a new employee and on a reset by an administrator (chalicelib/staff_users): the link sets the password.
    "staff_invite": MessageTemplate(
        subject="Учётная запись сотрудника",
        email="Здравствуйте!\n\nДля Вас создана учётная запись в консоли сотрудника. Ваш логин: $login\n\n"
        "Чтобы задать пароль, перейдите по ссылке:\n$password_url\n\nСсылка действует $hours ч и "
        "срабатывает один раз." + _SIGNATURE,
    ),
    "staff_password_reset": MessageTemplate(
        subject="Новый пароль для консоли сотрудника",
        email="Здравствуйте!\n\nАдминистратор сбросил пароль Вашей учётной записи сотрудника (логин $login); "
        "все сеансы завершены. Чтобы задать новый пароль, перейдите по ссылке:\n$password_url\n\n"
        "Ссылка действует $hours ч и срабатывает один раз." + _SIGNATURE,
    ),
    "password_changed": MessageTemplate(
        subject="Пароль изменён",
        email="Здравствуйте!\n\nПароль от Вашего личного кабинета изменён, все прочие сеансы завершены. "
        "Если это были не Вы, восстановите пароль и обратитесь в службу поддержки." + _SIGNATURE,
        sms="Пароль от личного кабинета изменён. Если это были не Вы, восстановите пароль.",
        feed_title="Пароль изменён",
        feed_body="Все прочие сеансы завершены.",
        link="#/profile",
    ),
    # To subscribers of an address when a planned outage there is published (chalicelib/outages).
    "outage_planned": MessageTemplate(
        subject="Плановое отключение электроэнергии",
        email="Здравствуйте!\n\nПо адресу $address запланировано отключение электроэнергии: $period.\n"
        "Причина: $reason.\n\nВы получили это сообщение, потому что подписаны на уведомления об "
        "отключениях по этому адресу. Отказаться можно в личном кабинете, раздел «Отключения»." + _SIGNATURE,
        sms="Плановое отключение электроэнергии: $address, $period. $company",
        feed_title="Плановое отключение электроэнергии",
        feed_body="$address: $period. Причина: $reason.",
        link="#/outages",
    ),
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
        link="#/outages",
    ),
    "outage_cancelled": MessageTemplate(
        subject="Отключение электроэнергии отменено",
        email="Здравствуйте!\n\nОтключение электроэнергии по адресу $address ($period) отменено.\n\n"
        "Вы получили это сообщение, потому что подписаны на уведомления об отключениях по этому "
        "адресу. Отказаться можно в личном кабинете, раздел «Отключения»." + _SIGNATURE,
        sms="Отменено отключение электроэнергии: $address, $period. $company",
        feed_title="Отключение электроэнергии отменено",
        feed_body="$address: $period — отключения не будет.",
        link="#/outages",
    ),
    # To subscribers who chose «все отключения» when an emergency outage at their address is entered.
    "outage_emergency": MessageTemplate(
        subject="Аварийное отключение электроэнергии",
        email="Здравствуйте!\n\nПо адресу $address аварийное отключение электроэнергии: $period.\n"
        "Причина: $reason.\n\nАварийная бригада работает над восстановлением электроснабжения. Вы получили "
        "это сообщение, потому что подписаны на уведомления обо всех отключениях по этому адресу. Изменить "
        "подписку можно в личном кабинете, раздел «Отключения»." + _SIGNATURE,
        sms="Аварийное отключение электроэнергии: $address, $period. $company",
        feed_title="Аварийное отключение электроэнергии",
        feed_body="$address: $period. Причина: $reason.",
        link="#/outages",
    ),
    # Appeals and extra-service requests (chalicelib/appeals): on registration and on every status
    # change, to the contact phone given in the case (seed 000) and the user's e-mail.
    "appeal_submitted": MessageTemplate(
        subject="Обращение № $number зарегистрировано",
        email="Здравствуйте!\n\nВаше обращение «$type» зарегистрировано под номером $number. Ответ будет дан "
        "не позднее $due_on.\n\nХод рассмотрения и ответ — в личном кабинете, раздел «Обращения»." + _SIGNATURE,
        sms="Обращение № $number зарегистрировано. Срок рассмотрения — до $due_on. $company",
        feed_title="Обращение № $number зарегистрировано",
        feed_body="$type. Срок рассмотрения — до $due_on.",
        link="#/appeals",
    ),
    "appeal_status": MessageTemplate(
        subject="Обращение № $number: $status",
        email="Здравствуйте!\n\nСтатус Вашего обращения № $number изменён: «$status».$note\n\n"
        "Подробности — в личном кабинете, раздел «Обращения»." + _SIGNATURE,
        sms="Обращение № $number: статус «$status». $company",
        feed_title="Обращение № $number: $status",
        feed_body="Статус изменён: «$status».$note",
        link="#/appeals",
    ),
    "service_request_submitted": MessageTemplate(
        subject="Заявка № $number зарегистрирована",
        email="Здравствуйте!\n\nВаша заявка «$type» зарегистрирована под номером $number. Ориентировочный "
        "срок рассмотрения — до $due_on.\n\nХод исполнения — в личном кабинете, раздел «Обращения»." + _SIGNATURE,
        sms="Заявка № $number зарегистрирована. Срок рассмотрения — до $due_on. $company",
        feed_title="Заявка № $number зарегистрирована",
        feed_body="$type. Срок рассмотрения — до $due_on.",
        link="#/appeals",
    ),
    "service_request_status": MessageTemplate(
        subject="Заявка № $number: $status",
        email="Здравствуйте!\n\nСтатус Вашей заявки № $number изменён: «$status».$note\n\n"
        "Подробности — в личном кабинете, раздел «Обращения»." + _SIGNATURE,
        sms="Заявка № $number: статус «$status». $company",
        feed_title="Заявка № $number: $status",
        feed_body="Статус изменён: «$status».$note",
        link="#/appeals",
    ),
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
        link="#/connection",
    ),
    "tp_status": MessageTemplate(
        subject="Заявка на ТП № $number: $status",
        email="Здравствуйте!\n\nСтатус Вашей заявки на технологическое присоединение № $number изменён: "
        "«$status».$note\n\nПодробности — в личном кабинете, раздел «Технологическое присоединение»." + _SIGNATURE,
        sms="Заявка на ТП № $number: статус «$status». $company",
        feed_title="Заявка на ТП № $number: $status",
        feed_body="Статус изменён: «$status».$note",
        link="#/connection",
    ),
    "tp_answer": MessageTemplate(
        subject="Ответ специалиста по заявке на ТП № $number",
        email="Здравствуйте!\n\nСпециалист ответил на Ваш вопрос по заявке на технологическое присоединение "
        "№ $number. Ответ — в карточке заявки в личном кабинете." + _SIGNATURE,
        sms="Получен ответ по заявке на ТП № $number. $company",
        feed_title="Ответ по заявке на ТП № $number",
        feed_body="Специалист ответил на Ваш вопрос.",
        link="#/connection",
    ),
    "tp_document": MessageTemplate(
        subject="Новый документ по заявке на ТП № $number",
        email="Здравствуйте!\n\nСетевая организация разместила документ «$title» по Вашей заявке на "
        "технологическое присоединение № $number. Скачать его можно в карточке заявки в личном кабинете." + _SIGNATURE,
        sms="По заявке на ТП № $number размещён документ «$title». $company",
        feed_title="Документ по заявке на ТП № $number",
        feed_body="$title — в карточке заявки.",
        link="#/connection",
    ),
    # The PP 861 deadline watcher (chalicelib/connection/watcher.py): to the applicant before the
    # missing-documents term ends; to the responsible employee (e-mail only, no feed: the console is
    # theirs) before a company deadline ends, and when the applicant withdraws the application.
    "tp_documents_reminder": MessageTemplate(
        subject="Заявка на ТП № $number: документы — до $due_on",
        email="Здравствуйте!\n\nПо Вашей заявке на технологическое присоединение № $number сетевая организация "
        "ждёт недостающие документы. $note\n\nЗаявка — в личном кабинете, раздел «Технологическое "
        "присоединение»." + _SIGNATURE,
        sms="Заявка на ТП № $number: загрузите документы до $due_on, иначе она будет аннулирована. $company",
        feed_title="Заявка на ТП № $number: документы — до $due_on",
        feed_body="$note",
        link="#/connection",
    ),
    "tp_staff_deadline": MessageTemplate(
        subject="Срок по заявке на ТП № $number — до $due_on",
        email="Здравствуйте!\n\nПо заявке на технологическое присоединение № $number истекает срок: "
        "«$title» — до $due_on ($basis).\n\nКарточка заявки: $card_url" + _SIGNATURE,
    ),
    "tp_staff_withdrawn": MessageTemplate(
        subject="Заявка на ТП № $number отозвана заявителем",
        email="Здравствуйте!\n\nЗаявитель отозвал заявку на технологическое присоединение № $number. "
        "Причина: $reason\n\nРаботы по заявке прекращаются. Карточка заявки: $card_url" + _SIGNATURE,
    ),
    # Co-users by invitation (chalicelib/metering/sharing.py). The invitee may have no account yet: e-mail only.
    "contract_invitation": MessageTemplate(
        subject="Приглашение к договору № $contract в личном кабинете",
        email="Здравствуйте!\n\n$inviter приглашает Вас к договору № $contract в личном кабинете потребителя "
        "с правом «$right».\n\nЧтобы принять приглашение, войдите в личный кабинет, зарегистрированный на "
        "этот адрес электронной почты (или зарегистрируйтесь с ним), и перейдите по ссылке:\n$accept_url\n\n"
        "Ссылка действует $days дн. и срабатывает один раз. Если Вы не ждали этого письма, просто удалите "
        "его." + _SIGNATURE,
    ),
    "contract_invitation_accepted": MessageTemplate(
        subject="Приглашение к договору № $contract принято",
        email="Здравствуйте!\n\n$name принял(а) Ваше приглашение к договору № $contract с правом «$right». "
        "Отменить доступ можно в личном кабинете, раздел «Лицевые счета и приборы учёта», "
        "«Совместный доступ»." + _SIGNATURE,
        feed_title="Приглашение к договору № $contract принято",
        feed_body="$name — «$right».",
        link="#/accounts",
    ),
    # To the holders of a contract when staff approve another account's request for access to it.
    "contract_access_granted_by_staff": MessageTemplate(
        subject="Сетевая компания открыла доступ к Вашему договору № $contract",
        email="Здравствуйте!\n\nПо заявке с подтверждающими документами сетевая компания предоставила доступ к "
        "договору № $contract пользователю $name с правом «$right». Если Вы не согласны, отмените доступ "
        "в личном кабинете (раздел «Лицевые счета и приборы учёта», «Совместный доступ») и обратитесь в "
        "сетевую компанию." + _SIGNATURE,
        feed_title="Сетевая компания открыла доступ к Вашему договору № $contract",
        feed_body="$name — «$right», по заявке с документами.",
        link="#/accounts",
    ),
    "contract_access_revoked": MessageTemplate(
        subject="Доступ к договору № $contract отменён",
        email="Здравствуйте!\n\nВладелец договора № $contract отменил Ваш доступ к нему в личном кабинете."
        + _SIGNATURE,
        feed_title="Доступ к договору № $contract отменён",
        feed_body="Владелец договора отменил Ваш доступ. Договор больше не показывается в личном кабинете.",
        link="#/accounts",
    ),
    # Access requests decided by staff (chalicelib/metering/access_requests.py); the migration of links made
    # before ownership was checked turns the unproven ones into such requests (metering/migrations.py).
    "access_request_received": MessageTemplate(
        subject="Запрос доступа к договору № $contract принят",
        email="Здравствуйте!\n\nВаш запрос доступа к договору № $contract принят. Сотрудник сетевой компании "
        "проверит документы и данные владельца договора; о решении мы сообщим письмом и в личном кабинете."
        + _SIGNATURE,
        feed_title="Запрос доступа к договору № $contract принят",
        feed_body="Сотрудник проверит документы. О решении мы сообщим.",
        link="#/accounts/request",
    ),
    "access_request_approved": MessageTemplate(
        subject="Доступ к договору № $contract предоставлен",
        email="Здравствуйте!\n\nСетевая компания рассмотрела Ваш запрос и предоставила доступ к договору "
        "№ $contract с правом «$right».$note\n\nДоговор — в личном кабинете, раздел «Лицевые счета и "
        "приборы учёта»." + _SIGNATURE,
        feed_title="Доступ к договору № $contract предоставлен",
        feed_body="Право: «$right».$note",
        link="#/accounts",
    ),
    "access_request_refused": MessageTemplate(
        subject="Отказ в доступе к договору № $contract",
        email="Здравствуйте!\n\nСетевая компания рассмотрела Ваш запрос доступа к договору № $contract и "
        "отказала в нём. Причина: $reason\n\nВы можете подать новый запрос с другими документами." + _SIGNATURE,
        feed_title="Отказ в доступе к договору № $contract",
        feed_body="Причина: $reason",
        link="#/accounts/request",
    ),
    "access_request_migrated": MessageTemplate(
        subject="Договор № $contract отключён до проверки",
        email="Здравствуйте!\n\nТеперь договор подключается к личному кабинету только его владельцу или тому, "
        "кому владелец или сетевая компания дали доступ. Договор № $contract был привязан к Вашему "
        "личному кабинету до этой проверки, а данные Вашей учётной записи не совпали с данными владельца "
        "в биллинге, поэтому договор отключён.\n\nМы создали за Вас запрос доступа: сотрудник "
        "рассмотрит его и сообщит о решении. Если договор Ваш, Вы можете и сразу привязать его снова, "
        "подтвердив, что он Ваш, или приложить доверенность в новом запросе: $site_url/#/accounts/request" + _SIGNATURE,
        feed_title="Договор № $contract отключён до проверки",
        feed_body="Он был привязан до проверки владельца. Запрос доступа передан сетевой компании.",
        link="#/accounts/request",
    ),
    # Readings (chalicelib/readings/service.py): nobody's reading changes unnoticed. A co-user's
    # submission goes to the holders' feed; a change of a reading another account had submitted goes to
    # every other user of the contract, by feed and e-mail.
    "reading_submitted_by_co_user": MessageTemplate(
        subject="Переданы показания счётчика № $serial",
        email="Здравствуйте!\n\nПереданы показания счётчика № $serial за $period: $after; передал $name "
        "(договор № $contract)." + _SIGNATURE,
        feed_title="Переданы показания счётчика № $serial",
        feed_body="Показания за $period: $after; передал $name (договор № $contract).",
        link="#/readings",
    ),
    "reading_changed": MessageTemplate(
        subject="Изменены показания счётчика № $serial",
        email="Здравствуйте!\n\nПоказания счётчика № $serial за $period изменены: было $before, стало $after; "
        "передал $name (договор № $contract).\n\nЕсли изменение ошибочно, исправьте показания в личном "
        "кабинете до окончания приёма или обратитесь в сетевую компанию." + _SIGNATURE,
        feed_title="Изменены показания счётчика № $serial",
        feed_body="Показания за $period изменены: было $before, стало $after; передал $name (договор № $contract).",
        link="#/readings",
    ),
    # Scheduled notices (chalicelib/reminders): feed always, e-mail and SMS as the account chose.
    "reading_window_open": MessageTemplate(
        subject="Открыт приём показаний за $period",
        email="Здравствуйте!\n\nОткрыт приём показаний счётчиков за $period. Передайте показания счётчиков "
        "$serials до $until включительно: $site_url/#/readings\n\nНапоминания можно отключить в профиле." + _SIGNATURE,
        sms="Открыт прием показаний за $period до $until: $serials. $site_url",
        feed_title="Открыт приём показаний за $period",
        feed_body="Передайте показания счётчиков $serials до $until включительно.",
        link="#/readings",
    ),
    "reading_window_closing": MessageTemplate(
        subject="Осталось два дня: передайте показания за $period",
        email="Здравствуйте!\n\nПриём показаний за $period заканчивается $until в 23:59. По счётчикам $serials "
        "показания ещё не переданы: $site_url/#/readings\n\nНапоминания можно отключить в профиле." + _SIGNATURE,
        sms="Прием показаний за $period заканчивается $until. Не переданы: $serials. $site_url",
        feed_title="Передайте показания за $period до $until",
        feed_body="Показания счётчиков $serials ещё не переданы.",
        link="#/readings",
    ),
    "meter_verification_soon": MessageTemplate(
        subject="Приближается срок поверки счётчика $serials",
        email="Здравствуйте!\n\nСрок очередной поверки счётчика $serials — $date. После этой даты показания "
        "счётчика не могут учитываться при расчётах: закажите поверку или замену прибора учёта заранее. "
        "Сведения о счётчике: $site_url/#/accounts" + _SIGNATURE,
        sms="Срок поверки счетчика $serials - $date. Закажите поверку заранее. $site_url",
        feed_title="Срок поверки счётчика $serials — $date",
        feed_body="Закажите поверку или замену прибора учёта до этой даты.",
        link="#/accounts",
    ),
    "meter_verification_passed": MessageTemplate(
        subject="Истёк срок поверки счётчика $serials",
        email="Здравствуйте!\n\nСрок поверки счётчика $serials истёк $date. Показания непроверенного прибора "
        "учёта не могут учитываться при расчётах: закажите поверку или замену счётчика. "
        "Сведения о счётчике: $site_url/#/accounts" + _SIGNATURE,
        sms="Истек срок поверки счетчика $serials ($date). Закажите поверку или замену. $site_url",
        feed_title="Истёк срок поверки счётчика $serials",
        feed_body="Срок поверки истёк $date. Закажите поверку или замену прибора учёта.",
        link="#/accounts",
    ),
    # To the address of an account being closed (accounts/privacy.py), which is erased with it: e-mail only.
    "account_closed": MessageTemplate(
        subject="Учётная запись закрыта, согласие на обработку персональных данных отозвано",
        email="Здравствуйте!\n\n$closed_on Вы отозвали согласие на обработку персональных данных, и Ваша учётная "
        "запись в личном кабинете закрыта. Вход по прежним логину, e-mail и телефону больше невозможен, все "
        "сеансы завершены. Профиль, привязки договоров и приборов учёта, уведомления, подписки на отключения "
        "и загруженные файлы, не вошедшие в обращения, удалены.\n\nОбращения, заявки на услуги и на "
        "технологическое присоединение мы обязаны хранить по закону: они хранятся без привязки к учётной "
        "записи до $retain_until и затем удаляются.\n\nЕсли это были не Вы, срочно обратитесь в службу "
        "поддержки. Зарегистрироваться снова можно в любое время." + _SIGNATURE,
    ),
}


def render(name: str, params: Mapping[str, str]) -> Rendered:
    template = TEMPLATES[name]

    def fill(text: str | None) -> str | None:
        return None if text is None else Template(text).substitute(params)

    return Rendered(
        subject=fill(template.subject) or "",
        email=fill(template.email) or "",
        sms=fill(template.sms),
        feed_title=fill(template.feed_title),
        feed_body=fill(template.feed_body),
        link=template.link,
    )
