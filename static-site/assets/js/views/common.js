// Form pieces shared by registration and the profile.

import { field, h } from "../ui.js";

export const PASSWORD_HINT = "Не менее 8 символов, буквы и цифры; не должен совпадать с логином.";

export function addressFields() {
  return h(
    "fieldset",
    { class: "fieldset" },
    h("legend", {}, "Почтовый адрес"),
    h(
      "div",
      { class: "grid" },
      field({
        name: "address.postcode",
        label: "Индекс",
        required: true,
        inputmode: "numeric",
        maxlength: "6",
        autocomplete: "postal-code",
        hint: "6 цифр",
        size: "narrow",
      }),
      field({
        name: "address.locality",
        label: "Населённый пункт",
        required: true,
        autocomplete: "address-level2",
        hint: "Город, посёлок, село",
        size: "large",
      }),
      field({ name: "address.street", label: "Улица", required: true, autocomplete: "address-line1", size: "wide" }),
      field({ name: "address.house", label: "Дом", required: true, hint: "С корпусом или строением", size: "narrow" }),
      field({ name: "address.flat", label: "Квартира, офис", size: "narrow" }),
    ),
  );
}
