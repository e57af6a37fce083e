/* The browser check, run before the bundles. Written in ES5 so that any browser can run it: one too
   old for the site (seed 004 names Chrome 62+, Firefox 54+, Safari 11+, Yandex Browser 19.3+,
   Opera 53+) gets the list of supported browsers in place of «Загрузка…», and the bundles, built
   with `if (!window.kabinetUnsupported)` around them, do not start. */
(function () {
  var w = window;
  var supported =
    typeof Promise === "function" &&
    typeof Symbol === "function" &&
    typeof w.fetch === "function" &&
    typeof w.Worker === "function" &&
    typeof w.URLSearchParams === "function" &&
    typeof Object.entries === "function" &&
    typeof String.prototype.padStart === "function" &&
    typeof Element.prototype.append === "function" &&
    !!w.Intl &&
    typeof w.Intl.DateTimeFormat.prototype.formatToParts === "function" &&
    !!w.crypto &&
    !!w.crypto.subtle;
  if (supported) return;
  w.kabinetUnsupported = true;
  var boot = document.querySelector(".boot[role=status]");
  if (!boot) return;
  boot.setAttribute("role", "alert");
  boot.textContent =
    "Ваш браузер устарел, и личный кабинет в нём не работает. Откройте эту страницу в одном из браузеров: " +
    "Google Chrome 62 и новее, Mozilla Firefox 54 и новее, Safari 11 и новее (на iPhone и iPad — iOS 11 и новее), " +
    "Яндекс Браузер 19.3 и новее, Opera 53 и новее.";
})();
