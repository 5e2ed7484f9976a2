/* Autosave: every changed cell is saved on its own to the form's data-autosave-url,
 * one request at a time, so each answer's versions are current for the next one.
 * Failures are retried with a growing delay (or after the server's Retry-After). */

import { setState, stateOf, showError, clearError, unsaved } from './cells.js';
import { readCookie, postCells } from './network.js';
import { handleAnswer } from './answers.js';

var IDLE_MS = 800;
var SAVING_NOTICE_MS = 500;
var RETRY_FIRST_MS = 5000;
var RETRY_MAX_MS = 60000;

export function makeAutosave(grid) {
  var cells = grid.cells;
  var status = grid.status;
  var queue = new Set(); // keys waiting to be sent
  var inFlight = null; // Map key -> text sent, for the one request in flight
  var idleTimers = {};
  var retryTimer = null;
  var retryDelay = RETRY_FIRST_MS;
  var submitting = false;
  var savingNoticeTimer = null;

  function cancelIdle(cell) {
    if (idleTimers[cell.key]) {
      clearTimeout(idleTimers[cell.key]);
      delete idleTimers[cell.key];
    }
  }

  /** Typing: save the cell once the teacher pauses. */
  function saveWhenIdle(cell) {
    if (idleTimers[cell.key]) clearTimeout(idleTimers[cell.key]);
    idleTimers[cell.key] = setTimeout(function () {
      delete idleTimers[cell.key];
      schedule(cell);
    }, IDLE_MS);
  }

  function waitingForIdle(cell) {
    return Boolean(idleTimers[cell.key]);
  }

  /** Mark a cell as needing a save and send it (now, or after the request in flight). */
  function schedule(cell) {
    cancelIdle(cell);
    if (inFlight && inFlight.get(cell.key) === cell.input.value) return; // answer due
    if (!inFlight || !inFlight.has(cell.key)) {
      if (!unsaved(cell)) {
        settle(cell);
        return;
      }
      if (cell.rejectedText !== null && cell.input.value === cell.rejectedText) return;
    }
    if (!cell.failed) setState(cell, 'pending');
    queue.add(cell.key);
    flush();
  }

  /** A cell whose text is what the server has: nothing to save. */
  function settle(cell) {
    grid.drafts.forget(cell);
    var state = stateOf(cell);
    if (state === 'pending' || state === 'error') {
      clearError(cell);
      setState(cell, null);
    }
    status.update();
  }

  function flush() {
    if (inFlight || submitting || !grid.autosaveUrl || !queue.size) return;
    if (navigator.onLine === false) {
      status.lastOutcome = 'failed';
      markFailed(Array.from(queue));
      planRetry();
      return;
    }
    var batch = [];
    Array.from(queue).forEach(function (key) {
      queue.delete(key);
      var cell = cells[key];
      if (!unsaved(cell)) {
        settle(cell);
      } else if (cell.rejectedText === null || cell.input.value !== cell.rejectedText) {
        batch.push(cell);
      }
    });
    if (batch.length) send(batch);
  }

  function planRetry(seconds) {
    if (retryTimer) clearTimeout(retryTimer);
    var delay = seconds ? seconds * 1000 : retryDelay;
    if (!seconds) retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
    retryTimer = setTimeout(retryNow, delay);
  }

  function retryNow() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    Object.keys(cells).forEach(function (key) {
      var cell = cells[key];
      if (cell.failed || stateOf(cell) === 'pending') queue.add(key);
    });
    flush();
  }

  function csrfToken() {
    // The cookie is current even after a login in another tab rotated the token.
    return readCookie('csrftoken') || (grid.tokenInput ? grid.tokenInput.value : '');
  }

  function send(batch) {
    inFlight = new Map();
    var entries = batch.map(function (cell) {
      var text = cell.input.value;
      inFlight.set(cell.key, text);
      return [cell.key, text, cell.version.value];
    });
    savingNoticeTimer = setTimeout(function () {
      if (inFlight) status.announce(grid.t('saving'), '');
    }, SAVING_NOTICE_MS);
    postCells(grid.autosaveUrl, csrfToken(), entries).then(function (answer) {
      clearTimeout(savingNoticeTimer);
      var sent = inFlight;
      inFlight = null;
      handleAnswer(grid, batch, sent, answer);
      flush();
    });
  }

  function markFailed(keys, message) {
    keys.forEach(function (key) {
      var cell = cells[key];
      if (!unsaved(cell)) return;
      cell.failed = true;
      showError(cell, message || grid.t('offline'));
      grid.drafts.keep(cell);
    });
  }

  /** The full Save posts the grid: no autosave from now on. */
  function stop() {
    submitting = true;
    Object.keys(idleTimers).forEach(function (key) { clearTimeout(idleTimers[key]); });
    idleTimers = {};
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
  }

  return {
    schedule: schedule,
    settle: settle,
    flush: flush,
    retryNow: retryNow,
    planRetry: planRetry,
    markFailed: markFailed,
    saveWhenIdle: saveWhenIdle,
    waitingForIdle: waitingForIdle,
    cancelIdle: cancelIdle,
    stop: stop,
    resume: function () { submitting = false; },
    isSubmitting: function () { return submitting; },
    retrying: function () { return Boolean(retryTimer); },
    resetRetryDelay: function () { retryDelay = RETRY_FIRST_MS; },
    enqueue: function (key) { queue.add(key); },
    dequeue: function (key) { queue.delete(key); },
    isQueued: function (key) { return queue.has(key); }
  };
}
