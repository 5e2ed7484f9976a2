/* The full Save, leaving the page and coming back to it.
 *
 * - the full Save posts only the cells that still differ from what the server has;
 * - leaving with unsaved cells asks first; logging out on purpose forgets the typing;
 * - coming back online, to the tab or from the back-forward cache retries at once. */

import { stateOf, unsaved } from './cells.js';
import { clearAllGradebookStorage } from './drafts.js';
import { readCookie } from './network.js';

var LOGOUT_PATH = '/accounts/logout/';

export function isLogoutForm(form) {
  var action = form.getAttribute('action') || '';
  var path;
  try {
    path = new URL(action, window.location.href).pathname;
  } catch (error) {
    path = action;
  }
  return path.slice(-LOGOUT_PATH.length) === LOGOUT_PATH;
}

/** Wires the grid's page events; returns { hasUnsaved, forgetOnLeave }. */
export function wireLeaving(grid) {
  var cells = grid.cells;
  var saver = grid.autosave;

  grid.form.addEventListener('submit', function (event) {
    if (event.defaultPrevented) return;
    saver.stop();
    // A login in another tab rotates the CSRF token: post the current one.
    var cookieToken = readCookie('csrftoken');
    if (cookieToken && grid.tokenInput) grid.tokenInput.value = cookieToken;
    // Post only the cells that differ from what the server has. Storage is kept:
    // entries are dropped when a later load (or autosave) shows them saved.
    Object.keys(cells).forEach(function (key) {
      var cell = cells[key];
      if (!unsaved(cell)) {
        cell.input.disabled = true;
        cell.original.disabled = true;
        cell.version.disabled = true;
      }
    });
  });

  // Back from the next page (back-forward cache): make the grid usable again.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    saver.resume();
    Object.keys(cells).forEach(function (key) {
      var cell = cells[key];
      cell.input.disabled = false;
      cell.original.disabled = false;
      cell.version.disabled = false;
    });
    saver.retryNow();
  });

  function hasUnsaved() {
    return Object.keys(cells).some(function (key) {
      var cell = cells[key];
      var state = stateOf(cell);
      return state === 'pending' || state === 'error' || unsaved(cell);
    });
  }

  // Logging out with unsaved cells: the browser asks first (beforeunload). The typing
  // is forgotten only when the page really goes (pagehide); a teacher who stays, and
  // then types or clicks, keeps it.
  var logoutAt = 0;
  function forgetOnLeave() {
    logoutAt = Date.now();
  }
  ['keydown', 'pointerdown'].forEach(function (type) {
    document.addEventListener(type, function () { logoutAt = 0; }, true);
  });
  window.addEventListener('pagehide', function () {
    if (logoutAt && Date.now() - logoutAt < 120000) clearAllGradebookStorage();
  });

  window.addEventListener('beforeunload', function (event) {
    if (saver.isSubmitting() || !hasUnsaved()) return undefined;
    event.preventDefault();
    event.returnValue = grid.t('unsavedWarning');
    return event.returnValue;
  });

  window.addEventListener('online', saver.retryNow);
  window.addEventListener('focus', function () {
    if (saver.retrying()) saver.retryNow();
  });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && saver.retrying()) saver.retryNow();
  });

  return { hasUnsaved: hasUnsaved, forgetOnLeave: forgetOnLeave };
}

/** Logging out on purpose forgets the unsaved typing of every grid (an expired
 * session keeps it, to be saved after logging in again). */
export function wireLogout(page) {
  document.addEventListener('submit', function (event) {
    var target = event.target;
    if (!target || target.tagName !== 'FORM' || !isLogoutForm(target)) return;
    if (event.defaultPrevented) return;
    if (page && page.hasUnsaved()) page.forgetOnLeave();
    else clearAllGradebookStorage();
  });
}
