/* The grid's texts: translated by the page, English by default.
 *
 * Messages are read from <script type="application/json" id="gradebook-messages">
 * (an object of key -> translated text) when the page has it, else these English texts.
 * Placeholders in braces are filled in; keys ending in _one / _other are plural forms
 * chosen with Intl.PluralRules for the page's language (other languages may add
 * _zero, _two, _few, _many):
 *
 *   saving               "Saving…"
 *   saved                "Saved"
 *   allSaved             "All changes saved"
 *   restored_one         "Restored {count} unsaved score from this browser."
 *   restored_other       "Restored {count} unsaved scores from this browser."
 *   notSaved_one         "Not saved: {count} cell needs your attention."
 *   notSaved_other       "Not saved: {count} cells need your attention."
 *   offline              "Not saved: you are offline or your session ended. Your typing is kept in this browser."
 *   sessionEnded         "Your session ended: log in again (in another tab, or reload this page) and your scores will be saved. Your typing is kept in this browser."
 *   serverError          "Not saved: the server could not save this score. It will try again. Your typing is kept in this browser."
 *   rateLimited          "Saving is paused for {seconds} seconds (too many saves). Your typing is kept."
 *   conflict             "Now saved: {value} (by {who}). Save again to keep yours."
 *   conflictNoName       "Now saved: {value}. Save again to keep yours."
 *   empty                "empty"
 *   unsavedWarning       "Some scores are not saved yet. Leave the page anyway?"
 *                        (browsers show their own text; kept for older ones)
 */

export var DEFAULT_MESSAGES = {
  saving: 'Saving…',
  saved: 'Saved',
  allSaved: 'All changes saved',
  restored_one: 'Restored {count} unsaved score from this browser.',
  restored_other: 'Restored {count} unsaved scores from this browser.',
  notSaved_one: 'Not saved: {count} cell needs your attention.',
  notSaved_other: 'Not saved: {count} cells need your attention.',
  offline:
    'Not saved: you are offline or your session ended. ' +
    'Your typing is kept in this browser.',
  sessionEnded:
    'Your session ended: log in again (in another tab, or reload this page) ' +
    'and your scores will be saved. Your typing is kept in this browser.',
  serverError:
    'Not saved: the server could not save this score. It will try again. ' +
    'Your typing is kept in this browser.',
  rateLimited:
    'Saving is paused for {seconds} seconds (too many saves). Your typing is kept.',
  conflict: 'Now saved: {value} (by {who}). Save again to keep yours.',
  conflictNoName: 'Now saved: {value}. Save again to keep yours.',
  empty: 'empty',
  unsavedWarning: 'Some scores are not saved yet. Leave the page anyway?'
};

export function loadMessages() {
  var messages = {};
  Object.keys(DEFAULT_MESSAGES).forEach(function (key) {
    messages[key] = DEFAULT_MESSAGES[key];
  });
  var element = document.getElementById('gradebook-messages');
  if (element) {
    try {
      var translated = JSON.parse(element.textContent || '{}');
      Object.keys(translated).forEach(function (key) {
        if (typeof translated[key] === 'string') messages[key] = translated[key];
      });
    } catch (error) {
      /* malformed: keep the English texts */
    }
  }
  return messages;
}

/** t(key, values) and t.plural(key, count, values) over the given texts. */
export function makeTranslator(messages) {
  var rules = null;
  try {
    rules = new Intl.PluralRules(document.documentElement.lang || 'en');
  } catch (error) {
    rules = null;
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name)
        ? String(values[name])
        : whole;
    });
  }
  function t(key, values) {
    return fill(messages[key] !== undefined ? messages[key] : key, values);
  }
  t.plural = function (key, count, values) {
    var category = rules ? rules.select(count) : count === 1 ? 'one' : 'other';
    var chosen = messages[key + '_' + category] !== undefined
      ? key + '_' + category
      : key + '_other';
    var all = { count: count };
    Object.keys(values || {}).forEach(function (name) { all[name] = values[name]; });
    return fill(messages[chosen] !== undefined ? messages[chosen] : chosen, all);
  };
  return t;
}
