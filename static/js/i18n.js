/*
 * gettext(), ngettext() and interpolate() for the pages' scripts. Django's catalogue (/jsi18n/,
 * loaded just before this file) defines them in the page's language; where it did not load, these
 * stand-ins give the English as written, so that no script breaks for want of a translation.
 */
(function () {
  "use strict";
  if (typeof window.gettext !== "function") window.gettext = function (text) { return text; };
  if (typeof window.ngettext !== "function") {
    window.ngettext = function (one, many, count) { return count === 1 ? one : many; };
  }
  if (typeof window.interpolate !== "function") {
    window.interpolate = function (format, values) {
      return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
    };
  }
})();
